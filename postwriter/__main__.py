import sys

from postwriter.cli import main

sys.exit(main())
