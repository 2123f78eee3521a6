"""The image's HEALTHCHECK: healthy while the backend's /health answers 200 (the database
answers too) and the web port serves the exported frontend. Standard library only."""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5


def answers_ok(url: str) -> bool:
    """Whether `url` answers 200 within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    """0 when both ports serve, else 1 (naming what failed)."""
    api = f"http://127.0.0.1:{os.environ.get('API_PORT', '4041')}/health"
    web = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '4040')}/"
    failing = [url for url in (api, web) if not answers_ok(url)]
    if failing:
        print("not answering 200: " + ", ".join(failing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
