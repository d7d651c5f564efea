"""The route table, the API at a glance: every endpoint, its role, inputs and outputs (wired by `wiring.py`)."""

from rewards_contract import api as s
from rewards_contract import errors
from rewards_contract.counters import CounterDefinition, CounterList, CounterPatch, CounterView
from rewards_contract.events import EventRequest
from rewards_contract.facts import FactsUpdate
from rewards_contract.feed import FeedPage, FeedQuery
from rewards_contract.goals import (
    ContributionView,
    GoalDefinition,
    GoalList,
    GoalPatch,
    GoalPath,
    GoalUserPath,
    GoalView,
)
from rewards_contract.leaderboards import (
    AroundQuery,
    BoardUserPath,
    LeaderboardDefinition,
    LeaderboardList,
    LeaderboardPatch,
    LeaderboardPath,
    LeaderboardView,
    Removal,
    RemovalView,
    RunList,
    RunPath,
    RunUserPath,
    Standings,
    TopQuery,
    UserStanding,
)
from rewards_contract.rewards import RewardDefinition
from rewards_contract.webhooks import WebhookStatus

from service.http import openapi, request_examples
from service.http.handlers import (
    counters,
    docs,
    feed,
    goals,
    grants,
    health,
    leaderboards,
    metrics,
    rewards,
    users,
    webhooks,
)
from service.http.wiring import Role, Route

# Reads that write first, so that they answer the truth: say so in their description.
_RECOVERS_GRANTS = (
    "Writes first: a claim left half-finished (claimed, but its grant not yet copied into the ledger, "
    "e.g. after a crash) is copied into the ledger, so no granted reward is missing from the answer."
)

# What a reward definition is refused for when it disagrees with the rest of the catalogue.
_RULE_REFUSALS = (errors.UnknownCounter, errors.WrongCounterKind, errors.UnknownReward, errors.RewardCycle)

# One literal: the app registers it and the OpenAPI document is generated from what the app registered.
ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/health",
        health.health,
        "Readiness: 200 while the database answers a ping, 503 (within 2 s) while it does not",
        description=(
            "For load balancers and readiness probes: take the instance out of rotation on 503. Never restart "
            "on it: during a database outage every instance answers 503. Restarts follow `/health/live`."
        ),
        role=None,
        response=s.HealthResponse,
        other_statuses=(503,),
        tags=("service",),
    ),
    Route(
        "GET",
        "/health/live",
        health.live,
        "Liveness: 200 while the process answers; never touches the database",
        description="For liveness probes and container health checks: restart the process only when this fails.",
        role=None,
        response=s.LivenessResponse,
        tags=("service",),
    ),
    Route(
        "GET",
        "/metrics",
        metrics.metrics,
        "Prometheus metrics (text exposition format)",
        description=(
            "Takes the metrics token (`REWARDS_METRICS_TOKEN`) as `Authorization: Bearer <token>`, not the bot's "
            "or the admins'. While none is set, it answers only clients on the service's own machine (loopback)."
        ),
        role=None,
        errors=(errors.Unauthorized, errors.Forbidden),
        tags=("service",),
    ),
    Route(
        "GET",
        "/docs",
        docs.docs_page,
        "This API's interactive reference (Swagger UI over /openapi.json)",
        role=None,
        media_type="text/html",
        tags=("service",),
    ),
    Route(
        "GET",
        "/docs/assets/swagger-ui.css",
        docs.swagger_ui_css,
        "The reference page's stylesheet",
        role=None,
        media_type="text/css",
        tags=("service",),
    ),
    Route(
        "GET",
        "/docs/assets/swagger-ui-bundle.js",
        docs.swagger_ui_js,
        "The reference page's script (Swagger UI)",
        role=None,
        media_type="text/javascript",
        tags=("service",),
    ),
    Route(
        "GET",
        "/openapi.json",
        docs.openapi_document,
        "This API's OpenAPI 3.1 document, generated from the route table and its models",
        role=None,
        response=openapi.OpenApiDocument,
        tags=("service",),
    ),
    # --- user activity (bot) ---
    Route(
        "POST",
        "/v1/users/{user_id}/events",
        users.report_event,
        "Report one user event; the same event_id again changes nothing and answers the same",
        description=(
            "Event ids are per user. The same event sent again (same id, same payload; `5.0` and `5` are the "
            "same) is counted once and answered as before; the same id with another payload is `422 "
            "event_id_reused`. Each user's latest 256 ids are remembered."
        ),
        query=s.LanguageQuery,
        path_params=s.UserPath,
        body=EventRequest,
        examples=request_examples.EVENT,
        headers=s.LanguageHeaders,
        response=s.ActivityResponse,
        # RaceLost: a new user's first writes raced and never saw each other: retry.
        errors=(errors.RaceLost, errors.EventIdReused, errors.UnknownCounter, errors.WrongCounterKind),
        tags=("users",),
    ),
    Route(
        "PUT",
        "/v1/users/{user_id}/facts",
        users.set_facts,
        "Set absolute facts for a user, then evaluate their rewards",
        query=s.LanguageQuery,
        path_params=s.UserPath,
        body=FactsUpdate,
        examples=request_examples.FACTS,
        headers=s.LanguageHeaders,
        response=s.ActivityResponse,
        errors=(errors.RaceLost,),
        tags=("users",),
    ),
    Route(
        "GET",
        "/v1/users/{user_id}/rewards",
        users.list_rewards_storing_expiry,
        "A user's rewards with status and per-condition progress: all of them, or a page, filtered if asked",
        description=(
            "Writes: an unlocked reward whose claim window has passed is stored as expired. With `limit`, a page "
            "and `next_cursor`; without, the whole list. `counts` are the whole list's whatever the filters: "
            "`?status=unlocked&limit=20` with `counts.unlocked` is what the user can claim now."
        ),
        path_params=s.UserPath,
        query=s.UserRewardsQuery,
        headers=s.LanguageHeaders,
        response=s.UserRewardsResponse,
        errors=(errors.Forbidden,),
        tags=("users",),
    ),
    Route(
        "GET",
        "/v1/users/{user_id}/rewards/{slug}",
        users.user_reward_storing_expiry,
        "One reward of a user with status and per-condition progress, as the list shows it",
        description=(
            "Writes, as the list does: an unlocked reward whose claim window has passed is stored as expired. "
            "A reward the caller may not see (inactive, or secret and not unlocked, to the bot) is 404."
        ),
        path_params=s.UserRewardPath,
        query=s.LanguageQuery,
        headers=s.LanguageHeaders,
        response=s.UserRewardView,
        errors=(errors.RewardNotFound,),
        tags=("users",),
    ),
    Route(
        "POST",
        "/v1/users/{user_id}/rewards/{slug}/claim",
        users.claim,
        "Claim an unlocked reward (exactly once; retries with the same Idempotency-Key replay the answer)",
        description=(
            "A limited edition (`max_claims`) whose slots are all taken answers `409 reward_sold_out` and changes "
            "nothing; a retry with the same key checks again. Rewards that needed this one claimed first are "
            "unlocked by the claim and listed in `unlocked`."
        ),
        path_params=s.UserRewardPath,
        query=s.LanguageQuery,
        headers=s.ClaimHeaders,
        response=s.ClaimResponse,
        errors=(
            errors.RewardNotFound,
            errors.RewardLocked,
            errors.AlreadyClaimed,
            errors.RewardSoldOut,
            errors.ClaimExpired,
            errors.IdempotencyKeyReused,
            errors.RaceLost,
        ),
        tags=("users",),
    ),
    Route(
        "GET",
        "/v1/users/{user_id}/grants",
        users.recover_and_list_grants,
        "A user's grants and reversals, oldest first; pending=true lists those not yet acknowledged",
        description=_RECOVERS_GRANTS,
        path_params=s.UserPath,
        query=s.GrantsQuery,
        headers=s.LanguageHeaders,
        response=s.GrantList,
        tags=("grants",),
    ),
    Route(
        "GET",
        "/v1/users/{user_id}/badges",
        users.recover_and_list_badges,
        "The badges a user holds",
        description=_RECOVERS_GRANTS,
        path_params=s.UserPath,
        response=s.BadgeList,
        tags=("users",),
    ),
    Route(
        "POST",
        "/v1/grants/{grant_id}/ack",
        grants.ack_grant,
        "Mark a grant delivered (idempotent)",
        query=s.LanguageQuery,
        path_params=s.GrantPath,
        headers=s.LanguageHeaders,
        response=s.GrantView,
        errors=(errors.GrantNotFound,),
        tags=("grants",),
    ),
    Route(
        "POST",
        "/v1/grants/{grant_id}/revoke",
        grants.revoke,
        "Revoke a grant: answers its reversal (kind reversal), pending for the bot like a grant (idempotent)",
        description=(
            "The grant stays in the ledger with `revoked_at` and `revoked_reason` (the first revoke's). Its "
            "reversal (`grant_id` `{grant_id}-reversal`, `reverses`, the value to take back: besitos negative) "
            "is listed by `GET /v1/users/{user_id}/grants?pending=true` until acknowledged with "
            "`POST /v1/grants/{id}/ack`. Revoking again answers the same reversal (200) and creates nothing. "
            "The user's reward state is unchanged: the claim still counts."
        ),
        role=Role.ADMIN,
        query=s.LanguageQuery,
        path_params=s.GrantPath,
        body=s.RevokeRequest,
        examples=request_examples.REVOKE,
        headers=s.LanguageHeaders,
        response=s.GrantView,
        errors=(errors.GrantNotFound, errors.CannotRevokeReversal, errors.RaceLost),
        tags=("grants",),
    ),
    # --- the activity feed ---
    Route(
        "GET",
        "/v1/feed",
        feed.read_feed_page,
        "Every state change (unlocks, reminders, expiries, grants, revocations, acks), oldest first, after a cursor",
        description=(
            "Follow `next`: a follower never misses an entry, whichever instance made the change. Entries appear "
            "once the relay entered them (within REWARDS_FEED_RELAY_SECONDS). `types` filters what is answered; "
            "the cursor still moves past the others. Entries are kept REWARDS_FEED_RETENTION_DAYS; a cursor whose "
            "following entries were deleted is `410 cursor_expired`; a cursor beyond the newest entry is `400 "
            "cursor_ahead`."
        ),
        query=FeedQuery,
        response=FeedPage,
        errors=(errors.CursorAhead, errors.CursorExpired),
        tags=("feed",),
    ),
    # --- counters admins declare ---
    Route(
        "POST",
        "/v1/counters",
        counters.declare_counter,
        "Declare a counter: `counter` events report it, counter conditions read it",
        description=(
            "The name follows the slug rules and may not be a built-in fact's (`level`, `total_points`, ...) or a "
            "condition type's. At most 200 counters: the 201st is `409 too_many_counters`."
        ),
        role=Role.ADMIN,
        body=CounterDefinition,
        examples=request_examples.COUNTER,
        response=CounterView,
        status=201,
        errors=(errors.CounterTaken, errors.TooManyCounters, errors.RaceLost),
        tags=("counters",),
    ),
    Route(
        "GET",
        "/v1/counters",
        counters.list_counters,
        "Every declared counter, with the rewards that read it",
        response=CounterList,
        tags=("counters",),
    ),
    Route(
        "GET",
        "/v1/counters/{name}",
        counters.get_counter,
        "One declared counter",
        path_params=s.CounterPath,
        response=CounterView,
        errors=(errors.CounterNotFound,),
        tags=("counters",),
    ),
    Route(
        "PATCH",
        "/v1/counters/{name}",
        counters.patch_counter,
        "Change a counter's texts (its name and kind never change)",
        role=Role.ADMIN,
        path_params=s.CounterPath,
        body=CounterPatch,
        examples=request_examples.COUNTER_PATCH,
        response=CounterView,
        errors=(errors.CounterNotFound,),
        tags=("counters",),
    ),
    Route(
        "DELETE",
        "/v1/counters/{name}",
        counters.delete_counter,
        "Delete a counter no reward reads (users' values stay stored, unread)",
        role=Role.ADMIN,
        path_params=s.CounterPath,
        status=204,
        errors=(errors.CounterNotFound, errors.CounterInUse, errors.RaceLost),
        tags=("counters",),
    ),
    # --- leaderboards ---
    Route(
        "POST",
        "/v1/leaderboards",
        leaderboards.declare_board,
        "Declare a leaderboard: events that add to what it ranks feed its current run",
        description=(
            "It ranks a declared count counter or a built-in fact events add to. Runs are all_time, daily, weekly, "
            "monthly (UTC) or one season. Each prize names a reward whose only condition is `awarded`: the run's "
            "closing unlocks it for those ranks, once per run."
        ),
        role=Role.ADMIN,
        body=LeaderboardDefinition,
        examples=request_examples.LEADERBOARD,
        response=LeaderboardView,
        status=201,
        errors=(
            errors.LeaderboardTaken,
            errors.TooManyLeaderboards,
            errors.UnknownCounter,
            errors.WrongCounterKind,
            errors.UnknownReward,
            errors.PrizeNotAwarded,
        ),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards",
        leaderboards.list_boards,
        "Every leaderboard, with its current run",
        response=LeaderboardList,
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}",
        leaderboards.get_board,
        "One leaderboard, with its current run",
        path_params=LeaderboardPath,
        response=LeaderboardView,
        errors=(errors.LeaderboardNotFound,),
        tags=("leaderboards",),
    ),
    Route(
        "PATCH",
        "/v1/leaderboards/{slug}",
        leaderboards.patch_board,
        "Change a leaderboard's texts, prizes or activity (what it ranks and its runs never change)",
        role=Role.ADMIN,
        path_params=LeaderboardPath,
        body=LeaderboardPatch,
        examples=request_examples.LEADERBOARD_PATCH,
        response=LeaderboardView,
        errors=(errors.LeaderboardNotFound, errors.UnknownReward, errors.PrizeNotAwarded),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}/runs",
        leaderboards.list_runs,
        "A leaderboard's current run, then its closed runs, newest first",
        path_params=LeaderboardPath,
        response=RunList,
        errors=(errors.LeaderboardNotFound,),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}/top",
        leaderboards.current_top,
        "The best users of the current run, best first",
        description="One indexed read. Ties go to whoever reached the score first. User ids only: the bot names them.",
        path_params=LeaderboardPath,
        query=TopQuery,
        response=Standings,
        errors=(errors.LeaderboardNotFound, errors.RunNotFound),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}/runs/{run}/top",
        leaderboards.run_top,
        "The best users of one run, best first",
        description="Past runs are kept REWARDS_LEADERBOARD_RETENTION_DAYS after they end.",
        path_params=RunPath,
        query=TopQuery,
        response=Standings,
        errors=(errors.LeaderboardNotFound, errors.RunNotFound),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}/users/{user_id}",
        leaderboards.current_rank,
        "One user's rank and score in the current run, with the users around them",
        description=(
            "Four indexed reads. Counting the users ahead reads one index key each, so it costs more the lower the rank."
        ),
        path_params=BoardUserPath,
        query=AroundQuery,
        response=UserStanding,
        errors=(errors.LeaderboardNotFound, errors.RunNotFound),
        tags=("leaderboards",),
    ),
    Route(
        "GET",
        "/v1/leaderboards/{slug}/runs/{run}/users/{user_id}",
        leaderboards.run_rank,
        "One user's rank and score in one run, with the users around them",
        path_params=RunUserPath,
        query=AroundQuery,
        response=UserStanding,
        errors=(errors.LeaderboardNotFound, errors.RunNotFound),
        tags=("leaderboards",),
    ),
    Route(
        "POST",
        "/v1/leaderboards/{slug}/runs/{run}/removals",
        leaderboards.remove_user,
        "Take a user out of a run (a cheater): the others move up",
        description=(
            "Their later events in the run leave them out too. In a run already closed, the standings move up but "
            "the prizes given stay given: revoke their grants (`POST /v1/grants/{grant_id}/revoke`) if needed."
        ),
        role=Role.ADMIN,
        path_params=RunPath,
        body=Removal,
        examples=request_examples.REMOVAL,
        response=RemovalView,
        status=201,
        errors=(errors.LeaderboardNotFound, errors.RunNotFound),
        tags=("leaderboards",),
    ),
    # --- community goals ---
    Route(
        "POST",
        "/v1/goals",
        goals.declare_goal,
        "Declare a community goal: what events add within its window counts towards its target",
        description=(
            "It counts a declared count counter or a built-in fact events add to. Once the total reaches the target, "
            "its reward (whose only condition is `awarded`) unlocks for every user who added at least "
            "`min_contribution` within the window, now or later in the window, each once."
        ),
        role=Role.ADMIN,
        body=GoalDefinition,
        examples=request_examples.GOAL,
        response=GoalView,
        status=201,
        errors=(
            errors.GoalTaken,
            errors.TooManyGoals,
            errors.UnknownCounter,
            errors.WrongCounterKind,
            errors.UnknownReward,
            errors.PrizeNotAwarded,
        ),
        tags=("goals",),
    ),
    Route(
        "GET",
        "/v1/goals",
        goals.list_goals,
        "Every community goal, with its progress",
        response=GoalList,
        tags=("goals",),
    ),
    Route(
        "GET",
        "/v1/goals/{slug}",
        goals.get_goal,
        "One community goal: its total, target, share reached and contributors",
        description="The total trails events by the goal relay's pace (REWARDS_GOAL_RELAY_SECONDS). Two reads.",
        path_params=GoalPath,
        response=GoalView,
        errors=(errors.GoalNotFound,),
        tags=("goals",),
    ),
    Route(
        "PATCH",
        "/v1/goals/{slug}",
        goals.patch_goal,
        "Change a goal's texts or activity (what it counts, its target, window and reward never change)",
        role=Role.ADMIN,
        path_params=GoalPath,
        body=GoalPatch,
        examples=request_examples.GOAL_PATCH,
        response=GoalView,
        errors=(errors.GoalNotFound,),
        tags=("goals",),
    ),
    Route(
        "GET",
        "/v1/goals/{slug}/users/{user_id}",
        goals.user_contribution,
        "One user's own contribution to a goal, and whether it qualifies for the reward",
        description="Exact at once: read from the user's facts, where each event wrote it. One read.",
        path_params=GoalUserPath,
        response=ContributionView,
        errors=(errors.GoalNotFound,),
        tags=("goals",),
    ),
    # --- catalogue ---
    Route(
        "GET",
        "/v1/rewards",
        rewards.list_rewards,
        "Active, non-secret rewards; admins with all=true get every reward",
        query=s.CatalogQuery,
        headers=s.LanguageHeaders,
        response=s.RewardList,
        errors=(errors.Forbidden,),
        tags=("rewards",),
    ),
    Route(
        "GET",
        "/v1/rewards/{slug}",
        rewards.get_reward,
        "One reward (the bot sees active, non-secret ones)",
        query=s.LanguageQuery,
        path_params=s.RewardPath,
        headers=s.LanguageHeaders,
        response=s.RewardView,
        errors=(errors.RewardNotFound,),
        tags=("rewards",),
    ),
    Route(
        "POST",
        "/v1/rewards",
        rewards.create_reward,
        "Create a reward",
        role=Role.ADMIN,
        query=s.LanguageQuery,
        body=RewardDefinition,
        examples=request_examples.REWARD,
        headers=s.LanguageHeaders,
        response=s.RewardView,
        status=201,
        errors=(errors.SlugTaken, errors.TierTaken, errors.RaceLost, *_RULE_REFUSALS),
        tags=("rewards",),
    ),
    Route(
        "PUT",
        "/v1/rewards/{slug}",
        rewards.replace_reward,
        "Replace a reward's definition (users' history is kept)",
        description="The body's slug must be the path's (slugs never change); another one is a 422.",
        role=Role.ADMIN,
        query=s.LanguageQuery,
        path_params=s.RewardPath,
        body=RewardDefinition,
        examples=request_examples.REWARD_REPLACEMENT,
        headers=s.LanguageHeaders,
        response=s.RewardView,
        errors=(errors.RewardNotFound, errors.TierTaken, errors.MaxClaimsBelowTaken, errors.RaceLost, *_RULE_REFUSALS),
        tags=("rewards",),
    ),
    Route(
        "PATCH",
        "/v1/rewards/{slug}",
        rewards.patch_reward,
        "Change some fields of a reward",
        description=(
            "The merged reward is validated whole (422 otherwise): a `reward_value` must fit the reward's "
            "type after the patch, the `reward_type` sent, else the stored one."
        ),
        role=Role.ADMIN,
        query=s.LanguageQuery,
        path_params=s.RewardPath,
        body=s.RewardPatch,
        examples=request_examples.REWARD_PATCH,
        headers=s.LanguageHeaders,
        response=s.RewardView,
        errors=(errors.RewardNotFound, errors.TierTaken, errors.MaxClaimsBelowTaken, errors.RaceLost, *_RULE_REFUSALS),
        tags=("rewards",),
    ),
    Route(
        "DELETE",
        "/v1/rewards/{slug}",
        rewards.deactivate_reward,
        "Deactivate a reward (never deletes; users' history is kept)",
        role=Role.ADMIN,
        query=s.LanguageQuery,
        path_params=s.RewardPath,
        headers=s.LanguageHeaders,
        response=s.RewardView,
        errors=(errors.RewardNotFound,),
        tags=("rewards",),
    ),
    # --- webhook delivery ---
    Route(
        "GET",
        "/v1/webhooks/status",
        webhooks.webhook_status,
        "Where webhook delivery stands: the last delivered entry, the backlog, the last error, the next attempt",
        description=(
            "The figures are stored, shared by every instance (one sends at a time); `enabled` and `url` "
            "(password and query masked) are this instance's configuration."
        ),
        role=Role.ADMIN,
        response=WebhookStatus,
        tags=("webhooks",),
    ),
)
