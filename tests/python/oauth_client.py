"""Signs in to jira-mcp's multi-user server with the official MCP Python SDK's OAuth client,
then calls a tool as that user.

Usage: oauth_client.py URL USER [TOKENS_FILE [CLIENT_METADATA_URL]]

The SDK does discovery (protected resource and authorization server metadata), dynamic client
registration, PKCE and the token exchange itself; only the browser is scripted: it follows the
authorization URL through jira-mcp and the Atlassian stand-in (adding `test_user=USER`, which
the stand-in puts into the token as the signed-in account) back to the client's redirect URI.
With TOKENS_FILE, the client's registration and tokens are written there as JSON (to replay
them from another client in the tests). With CLIENT_METADATA_URL, the client identifies itself
by that client ID metadata document instead of registering.

Prints one JSON object: the tool's text, whether it failed, and the tokens' shape.
"""

import asyncio
import json
import re
import sys
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

REDIRECT = "http://127.0.0.1:9/callback"


class Memory:
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, info):
        self.client = info


class Browser:
    """Follows redirects by hand until the client's redirect URI, as a user's browser would."""

    def __init__(self, user):
        self.user = user
        self.result = None
        self.hops = []

    async def open(self, url):
        async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
            for _ in range(10):
                if url.startswith(REDIRECT):
                    q = parse_qs(urlparse(url).query)
                    if "error" in q:
                        raise SystemExit(f"sign-in refused: {q}")
                    self.result = AuthorizationCodeResult(
                        code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0]
                    )
                    return
                parts = urlparse(url)
                # The Atlassian stand-in's consent page: who signs in.
                if parts.path == "/authorize" and "audience=api.atlassian.com" in url:
                    query = parse_qs(parts.query)
                    query["test_user"] = [self.user]
                    url = urlunparse(parts._replace(query=urlencode(query, doseq=True)))
                self.hops.append(parts.path)
                r = await http.get(url)
                if r.status_code == 200 and parts.path == "/authorize" and "/authorize/consent" in r.text:
                    # jira-mcp's consent page: the user approves this client (the cookie it set
                    # goes back with the form, as a browser's would).
                    request = re.search(r'name=request value="([^"]+)"', r.text).group(1)
                    self.hops.append("/authorize/consent")
                    consent = f"{parts.scheme}://{parts.netloc}/authorize/consent"
                    r = await http.post(consent, data={"request": request, "decision": "allow"})
                if r.status_code not in (301, 302, 303, 307, 308):
                    raise SystemExit(f"{url} answered {r.status_code}: {r.text[:300]}")
                url = r.headers["location"]
        raise SystemExit("too many redirects")

    async def callback(self):
        return self.result


async def main(url, user, tokens_file=None, client_metadata_url=None):
    browser = Browser(user)
    storage = Memory()
    auth = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="python-sdk-test",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=client_metadata_url,
    )
    async with httpx2.AsyncClient(auth=auth, timeout=60) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool("jira_get_myself", {})
    if tokens_file and tokens_file != "-":
        with open(tokens_file, "w") as f:
            json.dump(
                {
                    "client_id": storage.client.client_id,
                    "access_token": storage.tokens.access_token,
                    "refresh_token": storage.tokens.refresh_token,
                },
                f,
            )
    print(
        json.dumps(
            {
                "is_error": bool(result.is_error),
                "text": "".join(getattr(c, "text", "") for c in result.content),
                "hops": browser.hops,
                "token_type": storage.tokens.token_type,
                "expires_in": storage.tokens.expires_in,
                "has_refresh": bool(storage.tokens.refresh_token),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
