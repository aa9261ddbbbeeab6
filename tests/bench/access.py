"""A bench run's credentials: an administrator and an API token made with the command line on
the data folder, since every route but /healthz needs one."""
import subprocess
import urllib.request

EMAIL = "bench@example.com"


def token(quire, data_dir, config=None):
    """An API token for a fresh (or existing) bench administrator of `data_dir`."""
    cfg = ["--config", config] if config else []
    subprocess.run([quire, "users", "add", EMAIL, "--role", "admin", "--data-dir", data_dir] + cfg,
                   input="bench password 123\n", text=True, capture_output=True)
    out = subprocess.run([quire, "tokens", "create", EMAIL, "--name", "bench", "--data-dir", data_dir] + cfg,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def opener(tok):
    """urlopen with the token."""
    def get(url, data=None, headers=None, timeout=600):
        h = {"Authorization": "Bearer " + tok}
        h.update(headers or {})
        req = urllib.request.Request(url, data=data, headers=h)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read()
    return get
