"""Posting a change form as a browser does, the hidden field it was opened with included."""

import re
from html import unescape

_OPENED_STATE = re.compile(r'<input type="hidden" name="opened_state" value="([^"]*)"')


def opened_state(client, url) -> dict:
    """Open the change page at ``url`` and return its ``opened_state``, ready to post.

    Every change form carries what the object was when the form was opened
    (articles/admin/stale.py); a save without it is treated as based on a stale copy.
    """
    response = client.get(url)
    assert response.status_code == 200, url
    (value,) = _OPENED_STATE.findall(response.content.decode())
    return {"opened_state": unescape(value)}
