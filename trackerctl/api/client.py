"""The one HTTP client: base URL, `Authorization: NVX`, JSON POST, retries, envelope unwrapping.

Knows the platform, not the terminal: usable from a script without Typer or Rich.

    client = ApiClient("https://api.eu.navixy.com/v2", credential=lambda api: my_hash)
    client.call("tracker/list", {})          # -> {"success": true, "list": [...]}

The one layer that retries (STYLE.md; CLI-CONTRACT.md sections 7 and 10): a request is sent at
most `RetryPolicy.attempts` times in all, and the bulk engine does not retry on top.
- sent again for every action only when it was not processed: an answer with code 8, 14 or 15 in
  the API's JSON body (whatever the HTTP status, 429 and 503 included), or a connection that
  failed before the request was sent;
- an answer that leaves the outcome open (an HTTP 429 or 5xx without the API's body, codes 1 and
  6, a timeout or a dropped connection after sending) is sent again for reads and logins only (a
  repeated login only opens another session); a write ends with exit 5, sent once, unless the
  caller says repeating it is harmless (`idempotent=True`);
- never retried: a certificate that fails verification (`Unreachable` at once, naming the host),
  an answer larger than `max_answer` bytes after decompression, a body that is not the API's
  JSON under any other status (a redirect included: a POST is not followed elsewhere);
- waits: exponential backoff with full jitter, or the answer's `Retry-After` when it is a number
  of seconds or an HTTP date within the next hour (anything else counts as absent); at most 20 s;
- code 4 (session ended): one renewal through `renew`, when the caller gave one, then the request
  again (the renewal's login is a request of its own).
Every attempt failed before sending: `Unreachable` (`reached` False), so a caller knows nothing
was applied. An answer that does not have the API's shape (a code that is not an integer, JSON
nested deeper than the parser goes) is `BadResponse`, never an internal error.

The bytes travel through `trackerctl.api.connection`: a keep-alive pool on http.client, or httpx
when a proxy is set; or through the `exchange` given (the in-process sandbox, a test's
`HttpxExchange` over an httpx.MockTransport, or `DryRun`, which prints each request instead of
sending it: `--dry-run`, like httpie's `--offline`). The timeout is a deadline for one exchange.
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from trackerctl import __version__
from trackerctl.api.action import Api
from trackerctl.api.errors import NOT_PROCESSED_CODES, ApiError, BadResponse, OutcomeUnknown, Unreachable
from trackerctl.errors import NotLoggedIn, TransientError, UsageError
from trackerctl.masking import mask_header, mask_tree

if TYPE_CHECKING:
    from trackerctl.api.connection import Exchange, Reply


PLATFORMS = {
    "eu": "https://api.eu.navixy.com/v2",
    "us": "https://api.us.navixy.com/v2",
    "me": "https://api.me.navixy.com/v2",
}
SANDBOX = "sandbox"
USER_AGENT = f"trackerctl/{__version__}"
MAX_ANSWER = 64 * 2**20  # bytes of one answer after decompression (TRACKERCTL_MAX_ANSWER_MB raises it)
# Logging in is retried like a read: a repeated login only opens another session.
LOGIN_PATHS = frozenset({"user/auth", "panel/account/auth"})
# Writes that are not audited: logging in, and its two-factor step.
UNAUDITED_PATHS = LOGIN_PATHS | {"user/auth/code/verify"}
# Without the API's body these leave the outcome open: retried for reads only. Only the API's codes
# 8, 14 and 15 say a request was not processed; a bare 429 or 503 (a proxy's page) does not.
_OUTCOME_OPEN_HTTP = frozenset({429})  # and every 5xx
RETRY_AFTER_HORIZON = 3600.0  # seconds: a Retry-After further away counts as absent
# The envelope's fields whose type the documents fix, wherever they appear in a success answer.
_SUCCESS_FIELDS: dict[str, type] = {"list": list, "count": int, "hash": str, "not_deleted_trackers": list,
                                    "not_deleted_count": int}


def resolve_base_url(value: str, *, allow_http: bool = False) -> str:
    """`eu`/`us`/`me`/`sandbox` or a URL -> the base URL; refuse what is malformed or unsafe."""
    value = value.strip()
    if value in PLATFORMS:
        return PLATFORMS[value]
    if value == SANDBOX:
        return SANDBOX
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise UsageError(f"invalid API URL {value!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(
            f"invalid API URL {value!r}: use eu, us, me, sandbox, or an http(s) URL such as https://api.example.com/v2"
        )
    if parts.username or parts.password:
        raise UsageError("the API URL must not carry credentials: use `trackerctl auth login`")
    if parts.scheme == "http" and not (allow_http or _is_loopback(parts.hostname)):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: credentials would cross the network unencrypted "
            "(set allow_http = true in the profile if this host is on a private network)"
        )
    del port
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RetryPolicy(NamedTuple):
    attempts: int = 6  # tries in all, the first included
    base_delay: float = 0.25  # seconds; doubled on every retry, with full jitter
    max_delay: float = 20.0  # cap of one wait, Retry-After included

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            return min(retry_after, self.max_delay)
        import random  # only a retry needs it (about 1.5 ms to import)

        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** min(attempt, 30)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds, or an HTTP date, within the
    next hour; None for anything else (absent, negative, nan, inf, garbage, a date in the past or
    further away), which leaves the usual backoff to apply."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.replace(".", "", 1).isdigit():  # digits, at most one dot: no sign, nan, inf, 1e9
        seconds = float(value)
    else:
        from email.utils import parsedate_to_datetime  # an HTTP date: rare, and email.utils costs ~9 ms to import

        try:
            when = parsedate_to_datetime(value)
        except Exception:  # noqa: BLE001 - the server's text: any failure to parse is "absent"
            return None
        if when is None or when.tzinfo is None:
            return None
        try:
            seconds = when.timestamp() - (time.time() if now is None else now)
        except (OverflowError, OSError, ValueError):
            return None
    if not 0 <= seconds <= RETRY_AFTER_HORIZON:
        return None
    return seconds


class ApiClient:
    """Calls actions on one platform. One keep-alive connection pool; safe to share between threads
    (the bulk engine's workers do): the credential is looked up once per API and renewed once for all."""

    def __init__(
        self,
        base_url: str,
        *,
        credential: Callable[[Api], str | None] | None = None,
        renew: Callable[[Api], str | None] | None = None,
        timeout: float = 30.0,
        verify: Any = True,
        exchange: "Exchange | None" = None,
        retry: RetryPolicy = RetryPolicy(),
        trace: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
        max_connections: int = 8,
        auth_required: bool = True,
        max_answer: int = MAX_ANSWER,
        audit: Callable[[str, str, dict[str, Any], int | None], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credential = credential or (lambda api: None)
        self._renew = renew
        self._timeout = timeout
        self._verify = verify
        self._retry = retry
        self._trace = trace
        self._notice = notice
        self._max_connections = max_connections
        self._auth_required = auth_required
        self._max_answer = max_answer
        self._audit = audit
        self._http: Exchange | None = exchange
        self._own_exchange = exchange is None  # built here, and rebuilt for more connections
        self._lock = threading.Lock()  # the exchange's creation
        self._auth_lock = threading.RLock()  # the credential's lookup and renewal (which log in through this client)
        self._hashes: dict[str, str | None] = {}

    # -- public -------------------------------------------------------------------------------
    def call(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        api: Api | None = "user",
        read_only: bool = True,
        idempotent: bool = False,
        credential: str | None = None,
    ) -> dict[str, Any]:
        """POST `body` to `path`; return the API's JSON on success, raise a typed error otherwise.

        `api` names the credential to send (None: none, as for `user/auth`); `credential` sends that
        one instead, with no renewal. A write whose outcome is unknown is repeated only when
        `idempotent` says a repeat is answered harmlessly.

        A write (not a login) that was sent is given to `audit` once, retries included, with its
        final outcome: 0, the API's code (`ApiError`), or None when it may have reached the server
        and its outcome is unknown (`OutcomeUnknown`, `BadResponse`, retries that ran out). One
        never sent (`Unreachable`, no credential, `DryRun`) is not.
        """
        path = path.strip("/")
        body = dict(body or {})
        hash_ = credential or (self.credential(api) if api else None)
        if api and not hash_ and self._auth_required:
            raise NotLoggedIn(api)
        repeat_open = read_only or idempotent or path in LOGIN_PATHS
        if self._audit is None or read_only or path in UNAUDITED_PATHS:
            return self._call(path, body, api, hash_, credential, repeat_open)
        which = api or ("panel" if path.startswith("panel/") else "user")
        try:
            answer = self._call(path, body, api, hash_, credential, repeat_open)
        except ApiError as e:
            self._audit(which, path, body, e.code)
            raise
        except TransientError as e:
            if e.reached:
                self._audit(which, path, body, None)
            raise
        self._audit(which, path, body, 0)
        return answer

    def _call(self, path: str, body: dict[str, Any], api: Api | None, hash_: str | None, credential: str | None,
              repeat_open: bool) -> dict[str, Any]:
        """`call`'s attempts: sent until an answer, or until no retry is left or allowed."""
        renewed = False
        reached = False  # some attempt may have reached the server (it answered, or the request left)
        attempt = 0
        while True:
            try:
                return self._send_once(path, body, hash_)
            except ApiError as e:
                reached = True
                e.api = api
                if e.code == 4 and api and self._renew and not renewed and not credential:
                    renewed = True
                    new = self._renewed(api, hash_)
                    if new:  # the repeat with the new credential is an attempt (sent even if it was the last)
                        hash_ = new
                        attempt = min(attempt + 1, self._retry.attempts - 1)
                        continue
                retryable = e.code in NOT_PROCESSED_CODES or (repeat_open and e.code in (1, 6))
                if not retryable or attempt + 1 >= self._retry.attempts:
                    if e.code in (1, 6) and not repeat_open:
                        raise OutcomeUnknown(
                            f"error {e.code}: {e.description}: the server failed while handling the request, "
                            "so it may or may not have been applied",
                            hint="check the result before running the command again",
                        ) from None
                    raise
                wait = self._retry.delay(attempt, e.retry_after)
                reason = f"error {e.code}"
            except _Retry as r:
                reached = reached or r.reached
                if not r.retryable or (r.open_outcome and not repeat_open) or attempt + 1 >= self._retry.attempts:
                    if not reached and isinstance(r.final, TransientError) and not isinstance(r.final, Unreachable):
                        raise Unreachable(r.final.message, hint=r.final.hint) from None
                    raise r.final from None
                wait = self._retry.delay(attempt, r.retry_after)
                reason = r.reason
            attempt += 1
            if self._notice:
                self._notice(f"{reason}; retrying {path} in {wait:.1f}s (attempt {attempt + 1} of {self._retry.attempts})")
            time.sleep(wait)

    def request_line(self, path: str, body: Mapping[str, Any], *, api: Api | None = "user") -> dict[str, Any]:
        """The request `call` would send, as --dry-run prints it, sending nothing (--plan)."""
        hash_ = self.credential(api) if api else None
        return request_line(f"{self.base_url}/{path.strip('/')}", _headers(hash_), dict(body))

    def reserve_connections(self, n: int) -> int:
        """Keep up to `n` connections, for `n` threads sharing this client; call before they start.
        Returns how many threads to start: `n`, or fewer when the exchange given takes fewer
        requests at a time (`DryRun` one, so that a job's lines come in its order)."""
        with self._lock:
            if n > self._max_connections:
                self._max_connections = n
                if self._http is not None and self._own_exchange:
                    self._http.close()
                    self._http = None
            limit = None if self._own_exchange else getattr(self._http, "max_connections", None)
            return n if limit is None else min(n, limit)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            if self._own_exchange:
                self._http = None

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def credential(self, api: Api) -> str | None:
        """The credential requests to `api` carry now (renewals included): for channels that send it
        in a message (the event subscription's `hash`)."""
        with self._auth_lock:
            if api not in self._hashes:
                self._hashes[api] = self._credential(api)
            return self._hashes[api]

    def _renewed(self, api: Api, used: str | None) -> str | None:
        """A new credential after code 4: another thread's renewal, else one of our own."""
        assert self._renew is not None
        with self._auth_lock:
            current = self._hashes.get(api)
            if current and current != used:
                return current
            new = self._renew(api)
            if new:
                self._hashes[api] = new
            return new

    # -- one exchange -------------------------------------------------------------------------
    def _exchange(self) -> "Exchange":
        if self._http is not None:
            return self._http
        with self._lock:
            if self._http is None:
                from trackerctl.api.connection import open_exchange

                self._http = open_exchange(verify=self._verify, max_connections=self._max_connections,
                                           max_answer=self._max_answer)
        return self._http

    def _send_once(self, path: str, body: dict[str, Any], hash_: str | None) -> dict[str, Any]:
        from trackerctl.api.connection import AnswerTooLarge, BadAnswer, CertificateRefused, ExchangeError, NotSent, TimedOut

        url = f"{self.base_url}/{path}"
        headers = _headers(hash_)
        content = json.dumps(body, ensure_ascii=False).encode()
        if self._trace:
            self._trace(f"> POST {url}")
            for k, v in headers.items():
                self._trace(f"> {k}: {mask_header(k, v)}")
            self._trace(f"> {_masked_json(body)}")
        started = time.monotonic()
        try:
            resp = self._exchange().post(url, headers, content, self._timeout)
        except NotSent as e:  # a certificate that fails verification: retrying cannot help
            raise _Retry(f"cannot connect to {self.base_url}: {e}", open_outcome=False, reached=False,
                         retryable=not isinstance(e, CertificateRefused)) from None
        except TimedOut as e:
            raise _Retry(f"no answer from {self.base_url} within {self._timeout:g}s ({e})", open_outcome=True,
                         unknown=True) from None
        except ExchangeError as e:
            raise _Retry(f"connection to {self.base_url} lost: {e}", open_outcome=True, unknown=True) from None
        except AnswerTooLarge as e:
            limit = f"{e.limit // 2**20} MiB" if e.limit % 2**20 == 0 else f"{e.limit} bytes"
            raise BadResponse(f"the answer to {path} is larger than {limit} (counted after decompression): "
                              "raise TRACKERCTL_MAX_ANSWER_MB") from None
        except BadAnswer as e:
            raise BadResponse(f"the server's answer to {path} cannot be read: {e}") from None
        if self._trace:
            self._trace(f"< {resp.status} {resp.reason} ({(time.monotonic() - started) * 1000:.0f} ms)")
            self._trace(f"< {_masked_text(resp.content)}")
        return self._unwrap(resp)

    def _unwrap(self, resp: "Reply") -> dict[str, Any]:
        status = resp.status
        try:
            data = json.loads(resp.content)
        except (ValueError, UnicodeDecodeError):
            data = None
        except RecursionError:  # nested deeper than the parser goes: not the API's
            raise BadResponse(f"the server answered HTTP {status} with JSON nested too deeply to be the API's") from None
        if not isinstance(data, dict) or not isinstance(data.get("success"), bool):
            what = "an empty body" if not resp.content else f"a body that is not the API's JSON ({_content_kind(resp)})"
            if status in _OUTCOME_OPEN_HTTP or status >= 500:  # a proxy's or a balancer's page: not the API's word
                raise _Retry(f"HTTP {status} with {what}", open_outcome=True, retry_after=_retry_after(resp),
                             final=BadResponse(f"the server answered HTTP {status} with {what}: "
                                               "the request may or may not have been applied"))
            if 300 <= status < 400:
                where = resp.headers.get("Location")
                raise BadResponse(f"the server answered HTTP {status}, a redirect{f' to {where}' if where else ''}, "
                                  "which is not followed: use the API's own URL")
            raise BadResponse(f"the server answered HTTP {status} with {what}")
        if data["success"]:
            for key, kind in _SUCCESS_FIELDS.items():
                value = data.get(key)
                if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                    raise BadResponse(f"the server answered HTTP {status} with a success body whose {key!r} is "
                                      f"{_json_kind(value)}, not {_json_kind(kind())}: not the API's answer")
            return data
        err = ApiError.from_body(data, http_status=status)  # BadResponse when the code is not an integer
        err.retry_after = _retry_after(resp)
        raise err


def request_line(url: str, headers: Mapping[str, str], body: Any) -> dict[str, Any]:
    """A request as --dry-run and --plan print it: `{method, url, headers, body}`, the credential
    in Authorization and the body's secrets masked as a trace masks them."""
    return {"method": "POST", "url": url, "headers": {k: mask_header(k, v) for k, v in headers.items()},
            "body": mask_tree(body)}


class DryRunStop(SystemExit):
    """Raised by `DryRun` once a request is printed. Nothing was sent, so no answer comes to go on
    with: the command ends there, successfully (exit 0, as `sys.exit(0)` would; every `except
    Exception` lets it through). The bulk engine's workers print their other chunks before it ends
    the job (CLI-CONTRACT.md section 8)."""

    def __init__(self) -> None:
        super().__init__(0)


class DryRun:
    """An exchange (`trackerctl.api.connection`'s interface) that prints each request instead of
    sending it (`--dry-run`; httpie's `--offline`): `write` gets `{method, url, headers, body}` with
    the credential in Authorization and the body's secrets masked as a trace masks them, then
    `DryRunStop` is raised. One request at a time (`max_connections`), so lines come in order."""

    max_connections = 1

    def __init__(self, write: Callable[[dict[str, Any]], None]) -> None:
        self._write = write

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> "Reply":
        self._write(request_line(url, headers, json.loads(body)))
        raise DryRunStop()

    def close(self) -> None:
        pass


class _Retry(Exception):
    """A failure that a retry may cure. `final` is what is raised when no retry is left.

    `open_outcome`: the request may have been processed (retried for reads only); `reached`: it
    may have reached the server; `retryable`: False when no retry can help (a certificate)."""

    def __init__(
        self,
        reason: str,
        *,
        open_outcome: bool,
        unknown: bool = False,
        reached: bool = True,
        retryable: bool = True,
        retry_after: float | None = None,
        final: Exception | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.open_outcome = open_outcome
        self.reached = reached
        self.retryable = retryable
        self.retry_after = retry_after
        if final is None:
            if unknown:
                final = OutcomeUnknown(
                    f"{reason}: the request was sent, so it may or may not have been applied",
                    hint="check the result before running the command again",
                )
            else:
                final = TransientError(reason)
        self.final = final


def _headers(hash_: str | None) -> dict[str, str]:
    """What every request carries."""
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Accept-Encoding": "gzip",
               "User-Agent": USER_AGENT}
    if hash_:
        headers["Authorization"] = f"NVX {hash_}"
    return headers


def _retry_after(resp: "Reply") -> float | None:
    return parse_retry_after(resp.headers.get("Retry-After"))


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "an integer", float: "a number"}.get(
        type(value), type(value).__name__)


def _content_kind(resp: "Reply") -> str:
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
    return f"{ctype or 'no content type'}, {len(resp.content)} bytes"


def _masked_json(data: Any) -> str:
    return json.dumps(mask_tree(data), ensure_ascii=False)


def _masked_text(content: bytes | bytearray, limit: int = 4000) -> str:
    try:
        text = _masked_json(json.loads(content))
    except (ValueError, UnicodeDecodeError, RecursionError):
        text = bytes(content[: limit * 4]).decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"
