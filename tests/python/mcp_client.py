"""Drives jira-mcp's HTTP endpoints with the official MCP Python SDK's clients.

Usage: mcp_client.py (streamable|sse) URL
Prints one JSON object: the negotiated protocol version, the tool names, and the text of a
jira_get_myself call. Exits non-zero on any failure.
"""

import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client


async def exercise(read, write):
    async with ClientSession(read, write) as session:
        init = await session.initialize()
        tools = await session.list_tools()
        result = await session.call_tool("jira_get_myself", {})
        return {
            "protocol": str(init.protocol_version),
            "server": init.server_info.name,
            "tools": sorted(t.name for t in tools.tools),
            "is_error": bool(result.is_error),
            "text": "".join(getattr(c, "text", "") for c in result.content),
            "structured": result.structured_content,
        }


async def main(kind, url):
    if kind == "streamable":
        async with streamable_http_client(url) as (read, write, *_):
            out = await exercise(read, write)
    elif kind == "sse":
        async with sse_client(url) as (read, write):
            out = await exercise(read, write)
    else:
        raise SystemExit(f"unknown transport {kind}")
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
