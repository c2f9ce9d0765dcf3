"""Recipe routes: selectors for a platform nobody wrote an adapter for.

The OpenAPI document (spec/paths/recipes.yaml) checks path and body first; `Recipe.from_dict`
then compiles every selector, naming the field of one that does not compile.
"""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import InvalidRequest, NotFound
from postwriter.extract.recipe import Recipe
from postwriter.storage import recipes

from .keys import BODY, DATABASE

routes = web.RouteTableDef()


def _recipe_body(request: web.Request) -> Recipe:
    return Recipe.from_dict(request[BODY])  # names an invalid selector's field


@routes.post("/v1/recipes")
async def create(request: web.Request) -> web.Response:
    recipe = _recipe_body(request)
    doc, created = await recipes.save_recipe(request.app[DATABASE], recipe)
    return web.json_response(
        recipes.public_recipe(doc),
        status=201 if created else 200,
        headers={"Location": f"/v1/recipes/{recipe.name}"},
    )


@routes.put("/v1/recipes/{name}")
async def replace(request: web.Request) -> web.Response:
    recipe = _recipe_body(request)
    if recipe.name != request.match_info["name"]:
        raise InvalidRequest("the body's name differs from the path's", field="name")
    doc, created = await recipes.save_recipe(request.app[DATABASE], recipe)
    return web.json_response(recipes.public_recipe(doc), status=201 if created else 200)


@routes.get("/v1/recipes")
async def listing(request: web.Request) -> web.Response:
    docs = await recipes.list_recipes(request.app[DATABASE])
    return web.json_response({"recipes": [recipes.public_recipe(d) for d in docs]})


@routes.get("/v1/recipes/{name}")
async def show(request: web.Request) -> web.Response:
    doc = await recipes.get_recipe(request.app[DATABASE], request.match_info["name"])
    return web.json_response(recipes.public_recipe(doc))


@routes.delete("/v1/recipes/{name}")
async def delete(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if not await recipes.delete_recipe(request.app[DATABASE], name):
        raise NotFound(f"no recipe {name}")
    return web.Response(status=204)
