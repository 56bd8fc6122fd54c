#!/usr/bin/env python3
"""The web explorer in a real headless Chromium (Debian's chromium and chromedriver, driven by
Selenium from PyPI), against a real server with seeded events.

Usage: python3 Tests/Browser/explorer_test.py URL ADMIN_KEY SCREENSHOT_DIR DATA_DIR
(.ci/explorer.sh starts a fresh server, seeds it and runs this.) Each failing test saves a
screenshot in SCREENSHOT_DIR.
"""
import json, os, subprocess, sys, time, unittest, urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

URL, KEY, SHOTS, DATA = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]


def post(path, body):
    request = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


class Explorer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        cls.driver = webdriver.Chrome(options=options, service=service)
        cls.wait = WebDriverWait(cls.driver, 15)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        self.driver.get(URL + "/")
        self.driver.execute_script("sessionStorage.clear()")
        self.driver.get(URL + "/")
        # Only what this test's page logs counts.
        self.driver.get_log("browser")

    def tearDown(self):
        outcome = self._outcome.result
        failed = any(test is self for test, _ in outcome.failures + outcome.errors)
        if failed:
            os.makedirs(SHOTS, exist_ok=True)
            self.driver.save_screenshot(os.path.join(SHOTS, self._testMethodName + ".png"))

    def sign_in(self):
        self.wait.until(ready.visibility_of_element_located((By.ID, "key"))).send_keys(KEY)
        self.driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
        self.wait.until(lambda d: len(self.rows()) > 0)
        self.assertFalse(self.driver.find_element(By.ID, "login").is_displayed())
        self.assertTrue(self.driver.find_element(By.ID, "signout").is_displayed())

    def shot(self, name):
        """With $README_SHOTS set, saves the README's screenshot `name` there."""
        if os.environ.get("README_SHOTS"):
            self.driver.save_screenshot(os.path.join(os.environ["README_SHOTS"], name))

    def rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")

    def search(self, query):
        box = self.driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys(query)
        self.driver.find_element(By.CSS_SELECTOR, "#search button[type=submit]").click()

    def severe_logs(self):
        """Console errors, CSP violations and failed loads since the page loaded."""
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def test_page_loads_without_console_errors_or_csp_violations(self):
        self.sign_in()
        self.assertEqual(self.severe_logs(), [])
        self.assertNotIn(KEY, self.driver.current_url)
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('audittrail.key')"), KEY)

    def test_a_search_narrows_the_table_to_exactly_the_matching_rows(self):
        self.sign_in()
        self.search("action:doc.delete actor:carol")
        self.wait.until(lambda d: len(self.rows()) == 2 and all("doc.delete" in row.text for row in self.rows()))
        self.assertTrue(all("carol" in row.text for row in self.rows()))
        self.assertIn("q=action%3Adoc.delete", self.driver.current_url)
        # The URL holds the search: a reload (same tab, key kept) shows the same rows.
        self.driver.refresh()
        self.wait.until(lambda d: len(self.rows()) == 2)
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), "action:doc.delete actor:carol")

    def test_the_overview_follows_the_search(self):
        self.sign_in()
        self.search("action:doc.delete")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "3")
        self.assertEqual(self.driver.find_element(By.ID, "actors").text, "2")
        self.assertEqual(self.driver.find_element(By.ID, "failures").text, "0")
        actors = [item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#top-actors li")]
        self.assertEqual(actors, ["carol 2", "dave 1"])
        self.assertEqual([item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#top-actions li")], ["doc.delete 3"])
        self.assertGreaterEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#histogram rect")), 1)
        self.shot("explorer-overview.png")
        # A top actor narrows the search to it.
        self.driver.find_element(By.LINK_TEXT, "dave").click()
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "1")
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), "actor:dave")
        self.assertEqual(self.severe_logs(), [])

    def test_a_bad_query_shows_the_error_under_its_column(self):
        self.sign_in()
        self.search("action:(")
        error = self.wait.until(lambda d: d.find_element(By.ID, "search-error").text or None)
        self.assertIn("column 8", error)
        caret = self.driver.execute_script("return document.getElementById('caret').textContent")
        self.assertEqual(caret, " " * 7 + "^")

    def test_a_row_opens_the_event_and_its_related_searches(self):
        self.sign_in()
        self.search("action:user.login_failed")
        self.wait.until(lambda d: len(self.rows()) == 3)
        self.rows()[0].click()
        detail = self.wait.until(ready.visibility_of_element_located((By.ID, "detail")))
        raw = json.loads(self.driver.find_element(By.ID, "raw").text)
        self.assertEqual(raw["action"], "user.login_failed")
        self.assertEqual(len(raw["hash"]), 64)
        self.assertIn("Event %d" % raw["seq"], detail.text)
        detail.find_element(By.LINK_TEXT, "same IP").click()
        self.wait.until(lambda d: d.find_element(By.ID, "q").get_attribute("value") == "ip:" + raw["actor"]["ip"])
        self.wait.until(lambda d: len(self.rows()) == 4)

    def test_keyboard_moves_through_rows_and_opens_one(self):
        self.sign_in()
        first = self.rows()[0]
        first.send_keys("\ue015")  # ArrowDown
        focused = self.driver.switch_to.active_element
        self.assertEqual(focused.get_attribute("data-seq"), self.rows()[1].get_attribute("data-seq"))
        focused.send_keys("\ue007")  # Enter
        self.wait.until(ready.visibility_of_element_located((By.ID, "detail")))

    def test_live_tail_puts_a_new_event_at_the_top_and_pauses(self):
        self.sign_in()
        self.search("action:deploy.*")
        self.wait.until(lambda d: "0 events" in d.find_element(By.ID, "summary").text)
        self.driver.find_element(By.ID, "live").click()
        self.wait.until(lambda d: "waiting" in d.find_element(By.ID, "live-status").text)
        post("/v1/events", {"action": "deploy.finished", "actor": {"id": "ci"}})
        post("/v1/events", {"action": "doc.view", "actor": {"id": "ci"}})
        self.wait.until(lambda d: len(self.rows()) == 1 and "deploy.finished" in self.rows()[0].text)
        self.assertIn("events/s", self.driver.find_element(By.ID, "live-status").text)
        self.assertEqual(self.driver.find_element(By.ID, "live").get_attribute("aria-pressed"), "true")
        self.driver.find_element(By.ID, "live").click()
        self.wait.until(lambda d: "paused" in d.find_element(By.ID, "live-status").text)
        post("/v1/events", {"action": "deploy.started", "actor": {"id": "ci"}})
        time.sleep(1)
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.severe_logs(), [])

    def verify(self):
        """Clicks Verify until the event is covered by a signed checkpoint; the result's class and text."""
        for _ in range(20):
            self.driver.find_element(By.ID, "verify").click()
            self.wait.until(lambda d: d.find_element(By.ID, "verify-result").text not in ("", "Verifying…"))
            result = self.driver.find_element(By.ID, "verify-result")
            if "newer than the latest signed checkpoint" not in result.text:
                return result.get_attribute("class"), result.text
            time.sleep(0.5)
        self.fail("no checkpoint covered the event")

    def test_verify_proves_an_intact_event_and_fails_an_edited_one(self):
        self.sign_in()
        self.search("action:doc.view actor:carol")
        self.wait.until(lambda d: len(self.rows()) == 1)
        seq = int(self.rows()[0].get_attribute("data-seq"))
        self.rows()[0].click()
        outcome, text = self.verify()
        self.assertEqual(outcome, "verified", text)
        self.assertIn("leads, through", text)
        self.assertIn("signed (Ed25519)", text)
        self.driver.execute_script("document.getElementById('detail').scrollIntoView()")
        self.shot("explorer-detail.png")
        # The event's stored bytes edited behind the server's back.
        edited = subprocess.run(["sqlite3", os.path.join(DATA, "audit.sqlite"),
                        "DROP TRIGGER IF EXISTS events_refuse_update; "
                        "UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '\"d-0\"', '\"d-7\"') AS BLOB) "
                        "WHERE seq = %d; SELECT changes();" % seq], check=True, capture_output=True, text=True)
        self.assertEqual(edited.stdout.strip(), "1", edited.stderr)
        outcome, text = self.verify()
        self.assertEqual(outcome, "failed", text)
        self.assertIn("not the one the log signed", text)

    def test_an_admin_gets_the_admin_views_and_a_viewer_only_its_own_events(self):
        self.sign_in()
        self.wait.until(ready.visibility_of_element_located((By.ID, "admin")))
        self.wait.until(lambda d: "admin" in d.find_element(By.ID, "who").text)
        self.driver.find_element(By.ID, "key-name").send_keys("carol's view")
        self.driver.find_element(By.CSS_SELECTOR, "#key-role option[value=viewer], #key-role").send_keys("viewer")
        self.driver.find_element(By.ID, "key-subject").send_keys("carol")
        self.driver.find_element(By.CSS_SELECTOR, "#new-key button[type=submit]").click()
        created = self.wait.until(lambda d: d.find_element(By.ID, "new-secret").text or None)
        self.assertIn("shown once: ", created)
        secret = created.split("shown once: ")[1].strip()
        self.wait.until(lambda d: any("carol's view" in row.text for row in d.find_elements(By.CSS_SELECTOR, "#keys tbody tr")))
        self.driver.find_element(By.ID, "signout").click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "key"))).send_keys(secret)
        self.driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
        self.wait.until(lambda d: "viewer" in d.find_element(By.ID, "who").text)
        self.wait.until(lambda d: len(self.rows()) > 0)
        self.assertTrue(all("carol" in row.text for row in self.rows()), [row.text for row in self.rows()])
        self.assertEqual(len(self.rows()), 3)
        self.assertFalse(self.driver.find_element(By.ID, "admin").is_displayed())
        self.assertFalse(self.driver.find_element(By.ID, "export").is_displayed())
        self.assertEqual(self.severe_logs(), [])

    def test_the_search_exports_in_each_format(self):
        self.sign_in()
        self.search("action:doc.delete")
        self.wait.until(lambda d: len(self.rows()) == 3)
        for format in ("jsonl", "csv", "cef"):
            self.driver.find_element(By.CSS_SELECTOR, "#format option[value=%s]" % format).click()
            self.driver.find_element(By.CSS_SELECTOR, "#export button[type=submit]").click()
            self.wait.until(lambda d: d.find_element(By.ID, "export-status").text.startswith("Exported "))
            self.driver.execute_script("document.getElementById('export-status').textContent = ''")
        self.assertEqual(self.severe_logs(), [])

    def test_a_wrong_key_is_refused_and_asked_for_again(self):
        self.wait.until(ready.visibility_of_element_located((By.ID, "key"))).send_keys("not-a-key-0123456789")
        self.driver.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
        message = self.wait.until(lambda d: d.find_element(By.ID, "login-error").text or None)
        self.assertIn("unknown or revoked", message)
        self.assertIsNone(self.driver.execute_script("return sessionStorage.getItem('audittrail.key')"))
        self.assertFalse(self.driver.find_element(By.ID, "app").is_displayed())


def seed():
    events = []
    for index in range(3):
        events.append({"action": "user.login_failed", "outcome": "failure", "actor": {"id": "mallory", "ip": "203.0.113.7"}})
    events.append({"action": "user.login", "actor": {"id": "alice", "ip": "203.0.113.7"}})
    for index in range(2):
        events.append({"action": "doc.delete", "actor": {"id": "carol", "ip": "198.51.100.2"}, "resource": {"type": "doc", "id": "d-%d" % index}})
    events.append({"action": "doc.delete", "actor": {"id": "dave", "ip": "198.51.100.3"}, "resource": {"type": "doc", "id": "d-9"}})
    events.append({"action": "doc.view", "actor": {"id": "carol", "ip": "198.51.100.2"}, "resource": {"type": "doc", "id": "d-0"}})
    post("/v1/events/batch", events)


if __name__ == "__main__":
    seed()
    unittest.main(argv=[sys.argv[0], "-v"])
