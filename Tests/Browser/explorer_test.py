#!/usr/bin/env python3
"""The web explorer in a real headless Chromium (Debian's chromium and chromedriver, driven by
Selenium from PyPI), against a real server with seeded events.

Usage: python3 Tests/Browser/explorer_test.py URL ADMIN_KEY SCREENSHOT_DIR DATA_DIR
(.ci/explorer.sh starts a fresh server, seeds it and runs this.) Each failing test saves a
screenshot in SCREENSHOT_DIR.
"""
import datetime, json, os, subprocess, sys, time, unittest, urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

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
        self.driver.set_window_size(1280, 900)
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
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
        # Retention is shown and set; a rule is switched off and on again.
        self.wait.until(lambda d: "older than 90 days" in d.find_element(By.ID, "retention-status").text)
        days = self.driver.find_element(By.ID, "retention-days")
        days.clear()
        days.send_keys("365")
        self.driver.find_element(By.CSS_SELECTOR, "#retention button[type=submit]").click()
        self.wait.until(lambda d: "older than 365 days" in d.find_element(By.ID, "retention-status").text)
        def rule(driver):
            """The denied-burst rule's cells (read again after each change: the table is redrawn)."""
            return driver.execute_script("return [...document.querySelectorAll('#rules tbody tr')]"
                                         ".map((tr) => [...tr.cells].map((td) => td.textContent))"
                                         ".find((cells) => cells[0].startsWith('Denied-access burst'))")
        self.assertEqual(rule(self.driver)[2], "on")
        self.driver.find_element(By.CSS_SELECTOR, "#rules button[aria-label='Switch off Denied-access burst by one actor']").click()
        self.wait.until(lambda d: rule(d)[2] == "off")
        self.driver.find_element(By.CSS_SELECTOR, "#rules button[aria-label='Switch on Denied-access burst by one actor']").click()
        self.wait.until(lambda d: rule(d)[2] == "on")
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

    def test_completion_offers_field_names_and_known_actions(self):
        self.sign_in()
        box = self.driver.find_element(By.ID, "q")
        box.clear()
        box.send_keys("act")
        options = lambda d: [option.text for option in d.find_elements(By.CSS_SELECTOR, "#completions li")]
        self.wait.until(lambda d: options(d) == ["action:", "actor:", "actor.id:", "actor.name:", "actor.type:"])
        box.send_keys("i")
        self.wait.until(lambda d: options(d) == ["action:"])
        self.assertEqual(box.get_attribute("aria-expanded"), "true")
        box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
        self.assertEqual(box.get_attribute("value"), "action:")
        # The known actions (catalog) and those seen follow the field, at most 8 at a time.
        self.wait.until(lambda d: len(options(d)) == 8 and all(option.startswith("action:") for option in options(d)))
        box.send_keys("report.")
        self.wait.until(lambda d: options(d) == ["action:report.archived", "action:report.viewed"])
        box.send_keys(Keys.BACKSPACE * 7, "user.login_f")
        self.wait.until(lambda d: options(d) == ["action:user.login_failed"])
        box.send_keys(Keys.ARROW_DOWN)
        self.assertEqual(box.get_attribute("aria-activedescendant"), "completion-0")
        box.send_keys(Keys.TAB)
        self.assertEqual(box.get_attribute("value"), "action:user.login_failed ")
        self.assertFalse(self.driver.find_element(By.ID, "completions").is_displayed())
        box.send_keys("outcome:fa")
        self.wait.until(lambda d: options(d) == ["outcome:failure"])
        box.send_keys(Keys.ESCAPE)
        self.assertFalse(self.driver.find_element(By.ID, "completions").is_displayed())
        box.send_keys("ilure", Keys.ENTER)
        self.wait.until(lambda d: len(self.rows()) == 3 and d.find_element(By.ID, "total").text == "3")
        self.assertEqual(self.severe_logs(), [])

    def test_chips_write_their_terms_into_the_search(self):
        self.sign_in()
        self.search("actor:mallory")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "3")
        Select(self.driver.find_element(By.ID, "chip-outcome")).select_by_value("success")
        self.wait.until(lambda d: d.find_element(By.ID, "q").get_attribute("value") == "actor:mallory outcome:success")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "0")
        Select(self.driver.find_element(By.ID, "chip-outcome")).select_by_value("failure")
        self.wait.until(lambda d: d.find_element(By.ID, "q").get_attribute("value") == "actor:mallory outcome:failure")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "3")
        Select(self.driver.find_element(By.ID, "chip-severity")).select_by_value(">=error")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "0")
        Select(self.driver.find_element(By.ID, "chip-severity")).select_by_value("")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "3")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#chip-category option[value=authentication]")) == 1)
        Select(self.driver.find_element(By.ID, "chip-category")).select_by_value("authentication")
        self.wait.until(lambda d: d.find_element(By.ID, "q").get_attribute("value") == "actor:mallory outcome:failure category:authentication")
        Select(self.driver.find_element(By.ID, "chip-time")).select_by_value("1h")
        self.wait.until(lambda d: "time:>=" in d.find_element(By.ID, "q").get_attribute("value"))
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "3")
        self.assertEqual(Select(self.driver.find_element(By.ID, "chip-time")).first_selected_option.get_attribute("value"), "custom")
        # A search typed in the box sets the chips; the URL holds the search.
        self.search("outcome:denied action:doc.*")
        self.wait.until(lambda d: Select(d.find_element(By.ID, "chip-outcome")).first_selected_option.get_attribute("value") == "denied")
        self.assertEqual(Select(self.driver.find_element(By.ID, "chip-time")).first_selected_option.get_attribute("value"), "")
        self.assertIn("q=outcome%3Adenied", self.driver.current_url)
        self.assertEqual(self.severe_logs(), [])

    def test_the_histogram_brushes_a_time_range_and_top_ips_follow(self):
        self.sign_in()
        self.search("ip:192.0.2.0/24")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "2")
        self.assertEqual([item.text for item in self.driver.find_elements(By.CSS_SELECTOR, "#top-ips li")], ["192.0.2.5 2"])
        self.assertIn("per hour", self.driver.find_element(By.ID, "histogram-range").text)
        svg = self.driver.find_element(By.ID, "histogram")
        width = svg.size["width"]
        # Press and release on the last slot: the newest hour only.
        ActionChains(self.driver).move_to_element_with_offset(svg, width // 2 - 2, 0).click().perform()
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "1")
        query = self.driver.find_element(By.ID, "q").get_attribute("value")
        self.assertRegex(query, r"^ip:192\.0\.2\.0/24 time:>=\S+ time:<\S+$")
        self.assertEqual([row.text.split()[2] for row in self.rows()], ["report.viewed"])
        # Drag across the whole chart: both events again (the box's range replaced, not added).
        self.search("ip:192.0.2.0/24")
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "2")
        ActionChains(self.driver).move_to_element_with_offset(svg, -width // 2 + 2, 0).click_and_hold() \
            .move_to_element_with_offset(svg, width // 2 - 2, 0).release().perform()
        self.wait.until(lambda d: "time:<" in d.find_element(By.ID, "q").get_attribute("value"))
        self.wait.until(lambda d: d.find_element(By.ID, "total").text == "2" and len(self.rows()) == 2)
        self.assertEqual(self.severe_logs(), [])

    def test_the_detail_shows_before_and_after_as_a_diff(self):
        self.sign_in()
        self.search("action:user.role_changed")
        self.wait.until(lambda d: len(self.rows()) == 1)
        self.rows()[0].click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "changes")))
        rows = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                for row in self.driver.find_elements(By.CSS_SELECTOR, "#diff tbody tr")]
        self.assertEqual(rows, [["−", "mfa", "false", ""], ["~", "role", "viewer", "admin"], ["+", "teams[0]", "", "ops"]])
        self.assertEqual(self.driver.find_element(By.ID, "diff-summary").text, "3 changed fields, 1 unchanged")
        fields = self.driver.find_element(By.ID, "fields").text
        self.assertIn("actor.id", fields)
        self.assertNotIn("changes", fields)
        outcome, text = self.verify()
        self.assertEqual(outcome, "verified", text)
        self.driver.execute_script("document.getElementById('detail').scrollIntoView()")
        self.shot("explorer-detail.png")
        # An event without changes has no diff.
        self.search("action:doc.view actor:carol")
        self.wait.until(lambda d: len(self.rows()) == 1)
        self.rows()[0].click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "detail")))
        self.assertFalse(self.driver.find_element(By.ID, "changes").is_displayed())

    def test_opening_hides_the_logs_own_reads_and_scrolling_loads_the_next_page(self):
        post("/v1/events/batch", [{"action": "bulk.item", "actor": {"id": "loader"}, "metadata": {"n": n}} for n in range(60)])
        self.sign_in()
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), "-action:audit.query")
        self.assertTrue(all("audit.query" not in row.text for row in self.rows()))
        self.search("action:bulk.item")
        self.wait.until(lambda d: len(self.rows()) == 50 and "50+ events" in d.find_element(By.ID, "summary").text)
        self.driver.execute_script("document.getElementById('more').scrollIntoView()")
        self.wait.until(lambda d: len(self.rows()) == 60 and d.find_element(By.ID, "summary").text.startswith("60 events"))
        self.assertFalse(self.driver.find_element(By.ID, "more").is_displayed())
        self.assertEqual(len({row.get_attribute("data-seq") for row in self.rows()}), 60)
        # An empty search is shared as such: opening its URL shows everything, reads included.
        self.search("")
        self.wait.until(lambda d: d.current_url.endswith("/?q="))
        self.driver.get(self.driver.current_url)
        self.wait.until(lambda d: len(self.rows()) > 0)
        self.assertEqual(self.driver.find_element(By.ID, "q").get_attribute("value"), "")
        self.assertIn("audit.query", [row.text.split()[2] for row in self.rows()])
        self.assertEqual(self.severe_logs(), [])

    def readability_problems(self):
        """Visible text under WCAG AA contrast against what is behind it, and controls without a
        name (label, aria-label or text) — as the page stands."""
        return self.driver.execute_script(CHECKS)

    def test_narrow_screens_and_both_colour_schemes_stay_usable_and_readable(self):
        self.sign_in()
        self.wait.until(ready.visibility_of_element_located((By.ID, "admin")))
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rules tbody tr")) >= 3)
        self.rows()[0].click()
        self.wait.until(ready.visibility_of_element_located((By.ID, "detail")))
        for scheme in ("light", "dark"):
            self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            self.assertEqual(self.readability_problems(), [], scheme)
        self.driver.set_window_size(390, 844)
        self.wait.until(lambda d: d.execute_script("return window.innerWidth") <= 400)
        wide = self.driver.execute_script("return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && e.getClientRects().length && ![...document.querySelectorAll('.results, .scroll, pre')].some((c) => c !== e && c.contains(e))).slice(0, 8).map((e) => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
        self.assertLessEqual(self.driver.execute_script("return document.documentElement.scrollWidth"),
                             self.driver.execute_script("return document.documentElement.clientWidth"), "the page scrolls sideways: %s" % wide)
        for id in ("q", "results", "detail", "live"):
            element = self.driver.find_element(By.ID, id)
            self.assertTrue(element.is_displayed(), id)
            self.assertLessEqual(element.rect["x"] + element.rect["width"], 390, id)
        # Time, actor, action and outcome stay in the table.
        headers = [th.text for th in self.driver.find_elements(By.CSS_SELECTOR, "#results th") if th.is_displayed()]
        self.assertEqual(headers, ["Time", "Actor", "Action", "Outcome"])
        self.assertEqual(self.driver.execute_script("return document.querySelectorAll('[tabindex]:not([tabindex=\"0\"]):not([tabindex=\"-1\"])').length"), 0)
        self.assertEqual(self.severe_logs(), [])


CHECKS = """
const luminance = (rgb) => rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
  .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
const parse = (color) => { const [r, g, b, a = 1] = color.match(/[\d.]+/g).map(Number); return { rgb: [r, g, b], a }; };
const behind = (element) => {
  for (let at = element; at; at = at.parentElement) {
    const color = parse(getComputedStyle(at).backgroundColor);
    if (color.a > 0.5) return color.rgb;
  }
  return parse(getComputedStyle(document.documentElement).backgroundColor).a > 0.5
    ? parse(getComputedStyle(document.documentElement).backgroundColor).rgb : [255, 255, 255];
};
const problems = [];
for (const element of document.querySelectorAll("body *")) {
  const own = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
  if (!own || !element.getClientRects().length || getComputedStyle(element).visibility === "hidden") continue;
  if (element.closest(".visually-hidden, [hidden], svg")) continue;
  const style = getComputedStyle(element);
  const fg = luminance(parse(style.color).rgb), bg = luminance(behind(element));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(element.tagName + "#" + element.id + "." + element.className + " '" + element.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
}
for (const control of document.querySelectorAll("input, select, button, textarea")) {
  if (!control.getClientRects().length) continue;
  const named = control.labels?.length || control.getAttribute("aria-label") || control.getAttribute("aria-labelledby") || control.textContent.trim();
  if (!named) problems.push("unnamed " + control.tagName + "#" + control.id);
}
return problems;
"""


def seed():
    events = []
    for index in range(3):
        events.append({"action": "user.login_failed", "outcome": "failure", "actor": {"id": "mallory", "ip": "203.0.113.7"}})
    events.append({"action": "user.login", "actor": {"id": "alice", "ip": "203.0.113.7"}})
    for index in range(2):
        events.append({"action": "doc.delete", "actor": {"id": "carol", "ip": "198.51.100.2"}, "resource": {"type": "doc", "id": "d-%d" % index}})
    events.append({"action": "doc.delete", "actor": {"id": "dave", "ip": "198.51.100.3"}, "resource": {"type": "doc", "id": "d-9"}})
    events.append({"action": "doc.view", "actor": {"id": "carol", "ip": "198.51.100.2"}, "resource": {"type": "doc", "id": "d-0"}})
    events.append({"action": "user.role_changed", "actor": {"id": "root"}, "resource": {"type": "user", "id": "u-7"},
                   "changes": {"before": {"role": "viewer", "email": "u7@example.com", "mfa": False},
                               "after": {"role": "admin", "email": "u7@example.com", "teams": ["ops"]}}})
    two_days_ago = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events.append({"action": "report.archived", "time": two_days_ago, "actor": {"id": "archivist", "ip": "192.0.2.5"}})
    events.append({"action": "report.viewed", "actor": {"id": "archivist", "ip": "192.0.2.5"}})
    post("/v1/events/batch", events)


if __name__ == "__main__":
    seed()
    unittest.main(argv=[sys.argv[0], "-v"])
