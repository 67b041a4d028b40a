"""Two app servers behind nginx, one PostgreSQL, one Redis, one task worker (conftest.py):
what one server does, the other honours, and losing a server or a worker loses nothing.

Every request goes through nginx; nginx's log says which app server answered it, so each test
checks that both servers took part rather than trusting the round robin."""

import html
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.cluster

TOKEN_URL = "/api/v1/auth/token/"


def shows(response: httpx.Response, text: str) -> bool:
    return html.escape(text) in response.text or text in response.text


def complete_lessons(api: httpx.Client, module: dict) -> None:
    for lesson in module["lessons"]:
        assert api.post(f"/api/v1/lessons/{lesson}/complete/").status_code in (200, 201)


def start_attempt(cluster, api: httpx.Client, module: dict) -> tuple[int, dict]:
    """An open attempt at the module's quiz, and the right answers to its questions."""
    response = api.post(f"/api/v1/quizzes/{module['quiz']}/attempts/")
    assert response.status_code in (200, 201), response.text
    right = cluster.facts["right_answers"]
    return response.json()["id"], {
        str(q["id"]): right[str(q["id"])] for q in response.json()["questions"]
    }


def at_once(count: int, request) -> list:
    """`request(n)` for n in range(count), each in its own thread, released together."""
    barrier = threading.Barrier(count)

    def run(n):
        barrier.wait()
        return request(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_content_published_on_one_server_is_what_the_other_serves_next(cluster):
    lesson = cluster.facts["draft_lesson"]
    learner = cluster.client()
    assert cluster.sign_in(learner, "cluster-01").status_code == 302
    served = set()
    for _ in range(4):  # both servers serve (and cache) the live page
        response = learner.get(lesson["url"])
        assert response.status_code == 200
        assert shows(response, lesson["live_title"])
        assert not shows(response, lesson["draft_title"])
        served.add(cluster.served_by(response))
    assert served == set(cluster.servers)

    coordinator = cluster.client()
    assert cluster.sign_in(coordinator, "coordinator").status_code == 302
    url = f"/admin/bulk/wagtailcore/page/publish/?id={lesson['id']}&next=/admin/"
    assert coordinator.get(url).status_code == 200
    published = coordinator.post(url, headers={"X-CSRFToken": coordinator.cookies["csrftoken"]})
    assert published.status_code == 302, published.text[:2000]
    publisher = cluster.served_by(published)

    for _ in range(4):
        response = learner.get(lesson["url"])
        assert response.status_code == 200
        assert shows(response, lesson["draft_title"]), cluster.served_by(response)
        if cluster.served_by(response) != publisher:
            break
    else:
        pytest.fail("nginx never sent the learner to the other server")


def test_a_lockout_earned_on_one_server_holds_on_the_other(cluster):
    client = cluster.client()
    wrong = {"username": "cluster-02", "password": "not-the-password-1"}
    failures = [client.post(TOKEN_URL, json=wrong) for _ in range(5)]
    assert [r.status_code for r in failures] == [400, 400, 400, 400, 429]  # the fifth locks
    assert {cluster.served_by(r) for r in failures} == set(cluster.servers)

    right = {**wrong, "password": "cluster-pass-2024!"}
    refusals = [client.post(TOKEN_URL, json=right) for _ in range(4)]
    assert [r.status_code for r in refusals] == [429] * 4
    assert {cluster.served_by(r) for r in refusals} == set(cluster.servers)
    # Both servers saw the client's address, not nginx's (NUM_PROXIES): the lock is on it
    # and the audit trail names it.
    assert cluster.sql(
        "SELECT DISTINCT host(ip_address) FROM lms_auditevent WHERE actor_username = %s",
        ["cluster-02"],
    ) == [(client.address,)]
    assert cluster.sql(
        "SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s", ["cluster-02"]
    ) == [(client.address,)]


def test_rate_limits_count_requests_to_both_servers_together(cluster):
    """THROTTLE_CERTIFICATE_VERIFY is 10/minute per client address."""
    client = cluster.client()
    answers = [client.get("/api/v1/certificates/NO-SUCH-CODE/") for _ in range(14)]

    assert [r.status_code for r in answers] == [404] * 10 + [429] * 4
    assert {cluster.served_by(r) for r in answers[:10]} == set(cluster.servers)
    assert {cluster.served_by(r) for r in answers[10:]} == set(cluster.servers)
    # Another client, another address: a budget of its own.
    with cluster.client() as other:
        assert other.get("/api/v1/certificates/NO-SUCH-CODE/").status_code == 404


def test_sign_out_on_one_server_ends_the_session_on_the_other(cluster):
    client = cluster.client()
    assert cluster.sign_in(client, "cluster-03").status_code == 302
    session = client.cookies["sessionid"]
    pages = [client.get("/training/") for _ in range(4)]
    assert [r.status_code for r in pages] == [200] * 4
    assert {cluster.served_by(r) for r in pages} == set(cluster.servers)

    signed_out = client.post(
        "/accounts/logout/", headers={"X-CSRFToken": client.cookies["csrftoken"]}
    )
    assert signed_out.status_code == 302
    server = cluster.served_by(signed_out)

    # The old cookie, replayed (a copy kept by someone else), opens nothing on either server.
    with cluster.client() as replay:
        answers = [
            replay.get("/training/", headers={"Cookie": f"sessionid={session}"}) for _ in range(4)
        ]
    assert [r.status_code for r in answers] == [302] * 4
    assert all(r.headers["Location"].startswith("/accounts/login/") for r in answers)
    assert cluster.other_than(server) in {cluster.served_by(r) for r in answers}


def test_twenty_concurrent_submits_split_across_both_servers_grade_the_attempt_once(cluster):
    with cluster.api("cluster-04") as api:
        module = cluster.facts["modules"][0]
        complete_lessons(api, module)
        attempt, answers = start_attempt(cluster, api, module)
        authorization = api.headers["Authorization"]

    def submit(_):
        with cluster.client() as client:
            response = client.post(
                f"/api/v1/attempts/{attempt}/submit/",
                json={"answers": answers},
                headers={"Authorization": authorization},
            )
            return response.status_code, cluster.served_by(response)

    results = at_once(20, submit)

    assert sorted(status for status, _ in results) == [200] + [409] * 19
    assert {server for _, server in results} == set(cluster.servers)
    assert cluster.sql(
        "SELECT count(*), bool_and(passed) FROM assessments_attempt a JOIN auth_user u "
        "ON u.id = a.user_id WHERE u.username = %s AND a.submitted_at IS NOT NULL",
        ["cluster-04"],
    ) == [(1, True)]
    assert cluster.sql(
        "SELECT count(*) FROM courses_modulecompletion c JOIN lms_person p ON p.id = c.person_id "
        "JOIN auth_user u ON u.id = p.user_id WHERE u.username = %s",
        ["cluster-04"],
    ) == [(1,)]


def test_two_modules_completed_at_once_on_two_servers_issue_one_certificate(cluster):
    """The learner has passed five modules and read the last two; both quizzes are passed at
    the same moment, each on its own server."""
    with cluster.api("cluster-cert") as api:
        attempts = [start_attempt(cluster, api, m) for m in cluster.facts["modules"][5:]]
        authorization = api.headers["Authorization"]

        def submit(n):
            attempt, answers = attempts[n]
            with cluster.client() as client:
                response = client.post(
                    f"/api/v1/attempts/{attempt}/submit/",
                    json={"answers": answers},
                    headers={"Authorization": authorization},
                )
                return response, cluster.served_by(response)

        results = at_once(2, submit)

        assert [r.json()["passed"] for r, _ in results] == [True, True]
        assert {server for _, server in results} == set(cluster.servers)
        assert len(api.get("/api/v1/me/certificates/").json()) == 1
    assert cluster.sql(
        "SELECT count(*) FROM courses_certificate c JOIN lms_person p ON p.id = c.person_id "
        "JOIN auth_user u ON u.id = p.user_id WHERE u.username = %s",
        ["cluster-cert"],
    ) == [(1,)]


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_a_worker_killed_mid_task_leaves_it_to_run_again_and_loses_nothing(cluster):
    """The worker is delivering xAPI statements when it is killed (SIGKILL): its task is handed
    back by the next worker's heartbeat (TASKS_WORKER_STALE_SECONDS=3), the statements it had
    leased come free after XAPI_DELIVERY_LEASE_SECONDS=4, and every one reaches the LRS."""
    lrs = cluster.lrs
    lrs.hold.set()
    try:
        with cluster.api("cluster-05") as api:
            complete_lessons(api, cluster.facts["modules"][1])
        assert lrs.holding.wait(60), "the worker never started delivering"
        cluster.workers[-1].stop(signal.SIGKILL)
        running = cluster.sql(
            "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
            "AND task_path = 'xapi.delivery.deliver_statements'"
        )
        assert len(running) == 1
    finally:
        lrs.hold.clear()
        lrs.release.set()
    cluster.start_worker()

    def delivered() -> bool:
        return cluster.sql(
            "SELECT count(*) FROM xapi_outboxstatement WHERE status <> 'delivered'"
        ) == [(0,)]

    def killed_task_ran_again() -> bool:
        return cluster.sql(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", [running[0][0]]
        ) == [("SUCCESSFUL",)]

    _wait_until(delivered, 60, "every statement to be delivered")
    # Another delivery run (the lease's follow-up) may deliver them first; the handed-back task
    # still runs, and succeeds, once the new worker claims it.
    _wait_until(killed_task_ran_again, 60, "the killed worker's task to run again")
    sent = {str(i) for (i,) in cluster.sql("SELECT id FROM xapi_outboxstatement")}
    assert sent and sent <= set(lrs.received)


def refuses(upstream: str) -> bool:
    host, port = upstream.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


CUT_OFF = 599  # a request whose answer stopped short: counted with the 5xx


def test_an_app_server_stopped_mid_load_sends_the_rest_to_the_other(cluster):
    """Load from four clients; one app server is killed (its whole process group, SIGKILL) a
    second in, no request starting until its port is closed. Requests it had in hand at that
    moment may fail (nginx does not send a POST twice), with a 5xx or with the answer cut off
    (CUT_OFF); every other request is answered, and every one after the stop by the other
    server."""
    victim = next(iter(cluster.servers))
    survivor = cluster.other_than(victim)
    authorization = cluster.api("cluster-06").headers["Authorization"]
    lessons = cluster.facts["modules"][2]["lessons"]
    lock = threading.Lock()
    in_flight = 0
    stopped_at = None
    in_flight_at_stop = None
    results = []  # (sent after the stop, status, server or None)

    def load(n):
        nonlocal in_flight
        with cluster.client() as client:
            client.headers["Authorization"] = authorization
            end = time.monotonic() + 4
            i = 0
            while time.monotonic() < end:
                i += 1
                with lock:
                    in_flight += 1
                    after = stopped_at is not None
                try:
                    if i % 2:
                        response = client.get("/api/v1/me/progress/")
                    else:
                        lesson = lessons[(n + i) % len(lessons)]
                        response = client.post(f"/api/v1/lessons/{lesson}/complete/")
                    status = response.status_code
                except httpx.RemoteProtocolError:  # the server died while nginx relayed it
                    response, status = None, CUT_OFF
                with lock:
                    in_flight -= 1
                server = cluster.served_by(response) if status < 500 else None
                results.append((after, status, server))

    try:
        with ThreadPoolExecutor(4) as pool:
            running = [pool.submit(load, n) for n in range(4)]
            time.sleep(1)
            with lock:  # no request starts until the server is gone: the count is exact
                in_flight_at_stop = in_flight
                cluster.servers[victim].stop(signal.SIGKILL)
                _wait_until(lambda: refuses(victim), 10, "the killed server's port to close")
                stopped_at = time.monotonic()
            for future in running:
                future.result()
        errors = [status for _, status, _ in results if status >= 500]
        assert len(errors) <= in_flight_at_stop, (errors, in_flight_at_stop)
        after = [(status, server) for was_after, status, server in results if was_after]
        assert after, "no requests after the stop"
        assert {server for status, server in after if status < 500} == {survivor}
        assert all(status < 500 for status, _ in after)
        assert {server for was_after, _, server in results if not was_after} >= {victim}
    finally:
        cluster.restart_server(victim)


def test_an_api_sign_out_on_one_server_revokes_the_token_on_the_other(cluster):
    """Each server keeps the token's user in its own memory (lms.auth_backends), under
    versions in Redis that the sign-out renews."""
    with cluster.api("cluster-07") as api:
        answers = [api.get("/api/v1/me/progress/") for _ in range(4)]
        assert [r.status_code for r in answers] == [200] * 4
        assert {cluster.served_by(r) for r in answers} == set(cluster.servers)

        signed_out = api.delete("/api/v1/auth/token/")
        assert signed_out.status_code in (200, 204)
        server = cluster.served_by(signed_out)

        answers = [api.get("/api/v1/me/progress/") for _ in range(4)]
    assert [r.status_code for r in answers] == [401] * 4
    assert cluster.other_than(server) in {cluster.served_by(r) for r in answers}
