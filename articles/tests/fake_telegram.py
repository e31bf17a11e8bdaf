"""A fake Telegram Bot API on 127.0.0.1, for the channel's tests (never the real one).

It records every call (method, fields, uploaded files) and answers as Telegram does:
``{"ok": true, "result": …}``, or, for the answers a test queues with ``fail()``, an
error (a 500, a 429 with ``retry_after``, a 400 with a description).
"""

import email.parser
import email.policy
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN = "123456:TEST-token-never-shown"
CHANNEL_USERNAME = "sy24_test"


@dataclass
class Call:
    method: str
    fields: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)


class FakeBotAPI:
    def __init__(self):
        self.calls: list[Call] = []
        self._answers: list[tuple[int, dict]] = []
        self._message_ids = itertools.count(101)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, description: str = "", **parameters):
        """Answer the next call with an error (queued in order)."""
        body = {"ok": False, "error_code": status, "description": description or f"HTTP {status}"}
        if parameters:
            body["parameters"] = parameters
        self._answers.append((status, body))

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def _handle(self, request: BaseHTTPRequestHandler):
        _, bot, method = request.path.split("/", 2)
        length = int(request.headers.get("Content-Length", 0))
        body = request.rfile.read(length)
        fields, files = _parse(request.headers.get("Content-Type", ""), body)
        with self._lock:
            if bot != f"bot{TOKEN}":
                status, answer = (
                    401,
                    {"ok": False, "error_code": 401, "description": "Unauthorized"},
                )
            elif self._answers:
                status, answer = self._answers.pop(0)
            else:
                status, answer = 200, {"ok": True, "result": self._result(method, fields)}
            self.calls.append(Call(method, fields, files))
        payload = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _result(self, method: str, fields: dict):
        if method in {"deleteMessage"}:
            return True
        message = {
            "message_id": int(fields.get("message_id") or next(self._message_ids)),
            "chat": {"id": -1001234567890, "type": "channel", "username": CHANNEL_USERNAME},
        }
        return message


def _parse(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = part.get_payload(decode=True)
            else:
                fields[name] = part.get_payload(decode=True).decode()
        return fields, files
    query = parse_qs(body.decode(), keep_blank_values=True)
    return {name: values[-1] for name, values in query.items()}, {}
