"""Behind nginx (deploy/nginx.conf as rendered by deploy/cluster.py) the worker checks the signed URL and
nginx sends the bytes through X-Accel-Redirect: Range, 416, the worker's Content-Type and Cache-Control."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from deploy.cluster import render_nginx
from tests.conftest import LiveServer, free_port
from tests.services_fixtures import _unavailable

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.fixture
def behind_nginx(tmp_path):
    if NGINX is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    server = LiveServer(tmp_path, extra_env={"MEDIA_ACCEL_REDIRECT": "/_protected/tracks"}).start()
    port = free_port()
    conf = render_nginx(tmp_path, port, [server.port])
    # pytest's temporary folders are private (0700): nginx's workers must run as the same user to read them
    # (in production nginx's user needs read access to UPLOAD_DIR/tracks instead; README).
    as_me = ["-g", "user root;"] if os.geteuid() == 0 else []
    started = subprocess.run([NGINX, "-p", str(tmp_path), "-c", str(conf), *as_me], capture_output=True, text=True)
    try:
        assert started.returncode == 0, started.stderr
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/api/openapi.json", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield server, url
    finally:
        subprocess.run([NGINX, "-p", str(tmp_path), "-c", str(conf), "-s", "stop"], capture_output=True)
        server.stop()


def test_nginx_streams_the_track_the_worker_signed(behind_nginx, audio_samples):
    server, url = behind_nginx
    user = server.signup("nginxfan")
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    sample = audio_samples["mp3"]
    data = sample.read()
    res = requests.post(url + "/api/tracks", headers=headers, files={"file": ("a.mp3", data)}, timeout=20)
    assert res.status_code == 201, res.text
    stream = url + res.json()["stream_url"]

    whole = requests.get(stream, timeout=10)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["Content-Type"] == "audio/mpeg"
    assert whole.headers["Cache-Control"].startswith("private, max-age=")
    assert whole.headers["X-Content-Type-Options"] == "nosniff" and whole.headers["ETag"]
    part = requests.get(stream, headers={"Range": "bytes=0-99"}, timeout=10)
    assert part.status_code == 206 and part.content == data[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    tail = requests.get(stream, headers={"Range": "bytes=-10"}, timeout=10)
    assert tail.status_code == 206 and tail.content == data[-10:]
    past = requests.get(stream, headers={"Range": f"bytes={len(data) + 10}-"}, timeout=10)
    assert past.status_code == 416
    # the signature is the worker's to check; the internal location cannot be reached from outside
    assert requests.get(stream.replace("s=", "s=f"), timeout=10).status_code == 403
    name = Path(server.tmp / "uploads" / "tracks").iterdir().__next__().name
    assert requests.get(f"{url}/_protected/tracks/{name}", timeout=10).status_code == 404
