"""Real concurrency for race tests: many clients post at the same moment, each in a thread."""

import threading


def post_all_at_once(attempts) -> list[tuple[int, str]]:
    """Post every (client, url, data) together (a barrier releases them at once); returns
    (status, text) per attempt after following redirects."""
    attempts = list(attempts)
    barrier = threading.Barrier(len(attempts))
    results: list = [None] * len(attempts)

    def attempt(index, client, url, data):
        barrier.wait()
        response = client.post(url, data=data, follow_redirects=True)
        results[index] = (response.status_code, response.text)

    threads = [
        threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
