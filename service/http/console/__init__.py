"""The admin console: server-rendered pages under /admin for the people who run the catalogue.

A sub-application of the API's app, so its middleware (sessions, CSRF, security headers, HTML
error pages) wraps only its own routes and the API's JSON answers stay as they are. The pages
need no JavaScript; every asset is served from this package. Like the API's handlers, the
console calls the same use cases (`service.usecases`), and reaches nothing below them.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from service.http.console import auth, catalogue, counters, editor, funnel, goals, health, leaderboards, users
from service.http.console.pages import CONSOLE, ConsoleState, console_middleware, not_found
from service.http.console.security import ConsoleCookies
from service.usecases.console_sessions import load_console_secret
from service.usecases.runtime import Runtime

PREFIX = "/admin"
_HERE = Path(__file__).parent


def console_app(runtime: Runtime) -> web.Application:
    """The console's sub-application, mounted at PREFIX by the app factory."""
    app = web.Application(middlewares=[console_middleware])
    state = ConsoleState()
    app[CONSOLE] = state

    async def signing_key_ctx(app: web.Application) -> AsyncIterator[None]:
        """Load the console's secret (generated and stored the first time) before the app serves.

        Run after the parent app's contexts have connected the database: aiohttp starts sub-applications last.
        """
        state.cookies = ConsoleCookies(await load_console_secret(runtime))
        yield

    app.cleanup_ctx.append(signing_key_ctx)
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    app.router.add_static("/static", _HERE / "static", name="static")
    app.router.add_get("", auth.home)
    app.router.add_get("/", auth.home)
    app.router.add_get("/login", auth.login_form)
    app.router.add_post("/login", auth.login)
    app.router.add_post("/logout", auth.logout)
    app.router.add_post("/logout/everywhere", auth.logout_everywhere)
    app.router.add_get("/rewards", catalogue.catalogue)
    app.router.add_get("/rewards/new", editor.new_reward_form)
    app.router.add_post("/rewards/new", editor.submit_new_reward)
    app.router.add_get("/rewards/{slug}", editor.edit_reward_form)
    app.router.add_post("/rewards/{slug}", editor.submit_reward_edit)
    app.router.add_get("/rewards/{slug}/funnel", funnel.funnel_page)
    app.router.add_get("/rewards/{slug}/deactivate", editor.confirm_deactivation)
    app.router.add_post("/rewards/{slug}/deactivate", editor.deactivate)
    app.router.add_get("/counters", counters.counters_page)
    app.router.add_post("/counters", counters.declare)
    app.router.add_get("/counters/{name}", counters.counter_form)
    app.router.add_post("/counters/{name}", counters.rename)
    app.router.add_get("/leaderboards", leaderboards.boards_page)
    app.router.add_get("/leaderboards/new", leaderboards.new_board_form)
    app.router.add_post("/leaderboards/new", leaderboards.submit_new_board)
    app.router.add_get("/leaderboards/{slug}", leaderboards.board_page)
    app.router.add_get("/leaderboards/{slug}/edit", leaderboards.edit_board_form)
    app.router.add_post("/leaderboards/{slug}/edit", leaderboards.submit_board_edit)
    app.router.add_post("/leaderboards/{slug}/runs/{run}/removals", leaderboards.remove)
    app.router.add_get("/goals", goals.goals_page)
    app.router.add_get("/goals/new", goals.new_goal_form)
    app.router.add_post("/goals/new", goals.submit_new_goal)
    app.router.add_get("/goals/{slug}", goals.goal_page)
    app.router.add_get("/goals/{slug}/edit", goals.edit_goal_form)
    app.router.add_post("/goals/{slug}/edit", goals.submit_goal_edit)
    app.router.add_get("/health", health.health_page)
    app.router.add_get("/users", users.look_up)
    app.router.add_get("/users/{user_id}", users.user_page)
    app.router.add_get("/users/{user_id}/grants/{grant_id}/revoke", users.confirm_revocation)
    app.router.add_post("/users/{user_id}/grants/{grant_id}/revoke", users.revoke)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
