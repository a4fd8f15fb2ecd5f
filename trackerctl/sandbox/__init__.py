"""The sandbox: a working emulator of the platform's user (`tracker/*`) and panel (`panel/tracker/*`)
APIs over a SQLite file, so that commands can be tried and every test can run without an account.
Every documented error comes from the state that causes it, not from canned answers.

    app.py            Sandbox (the request path), Faults, Reply, default_db_path, reset
    server.py         `sandbox serve`: ThreadingHTTPServer, keep-alive, TCP_NODELAY, one write per answer
    exchange.py       `--api-url sandbox`: SandboxExchange, the client's exchange answered by Sandbox.handle
    dispatch.py       @action, the action table, and the checks every action gets (auth, rights, params)
    params.py         generic validation against the CLI registry's Param lists (code 7)
    sessions.py       credentials: header/body/query, session and API key lifetimes, panel sessions
    wire.py           request parameters in (JSON, form, query), the JSON envelope out
    codes.py          the error table (spec/error-codes.tsv) and ApiFailure
    store.py          SQLite connections, the per-request transaction, the clock, the data version
    paging.py         paged lists: the count once per query, pages after the last id, the filter
    schema.py         the tables; seed.py the deterministic seed data (SEED names its ids)
    records.py        what both APIs look up (trackers, dealer rows) and do; objects.py the API objects
    user.py           user/auth, user/auth/code/*, user/logout, user/get_info, api/key/*
    panel_account.py  panel/account/*
    tracker/          tracker/*: reads.py (read, list, get_*, list_models), registration.py
                      (register*, replace*), changes.py (corrupt, delete, change_phone, tags/set),
                      commands.py (location_request, raw_command/send, send_command), common.py
    panel_tracker.py  panel/tracker/*    panel_bundle.py   panel/tracker/bundle/*
    channels.py       the WebSocket channels without a transport: open_channel, ChannelSession;
                      console.py (/console), subscription.py (/v2/event/subscription);
                      websocket.py carries them for server.py (the websockets package);
                      fleet.py moves the fleet (`sandbox serve --move`)

A new action is a decorated function in the module of its API resource (a new module is added to
`dispatch.ACTION_MODULES`, or, inside the tracker/ package, imported by its `__init__`):

    @action("panel/tracker/source/update", api="panel", permission=("trackers", "update"))
    def source_update(ctx: Ctx, p: dict) -> dict:
        row = records.dealer_tracker(ctx, p["tracker_id"])          # 201
        ...
        return {}

Nothing is imported here: `import trackerctl.sandbox` costs nothing.
"""
