#!/usr/bin/env python3
"""The web explorer's speed in a real headless Chromium (Debian's, Selenium from PyPI) against a
running server — run it on a large log (e.g. 1M events: `audittrail bench query --events 1000000
--data-dir DIR`, then a release server on DIR).

Usage: python3 Benchmarks/explorer-timing.py URL KEY [RUNS]

For each search below, alternating, RUNS times:
- first results: a fresh page load of `/?q=…` (key already in the tab), from navigation start to
  the first page of results in the table (the page's performance mark `results-rendered`), and to
  the overview drawn (`overview-rendered`: counts, histogram, top actions and actors);
- search to render: the search submitted in the open page, from submit (`search-start`) to the
  table filled, to the overview drawn, and to the top addresses drawn (`addresses-rendered`,
  asked for after the rest);
- the reference, in the same page right after: the same requests by `fetch` alone, in the page's
  order (the events page; the events page and stats by actor at once; then stats by address), so
  the ratio is what the page adds.
Prints medians (ms) and the ratio page / API.
"""
import os, statistics, sys, time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL, KEY = sys.argv[1], sys.argv[2]
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 9
SEARCHES = ["", "outcome:failure", "severity:>=error", "action:user.*", "ip:10.0.0.0/8", "-outcome:success category:authentication"]

options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
    options.add_argument(argument)
driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
wait = WebDriverWait(driver, 60)

MARKS = """
const mark = (name) => { const all = performance.getEntriesByName(name); return all.length ? all[all.length - 1].startTime : null; };
return [mark('search-start'), mark('results-rendered'), mark('overview-rendered'), mark('addresses-rendered')];
"""
REFERENCE = """
const [q, done] = arguments;
const headers = { Authorization: 'Bearer ' + sessionStorage.getItem('audittrail.key'), Accept: 'application/json' };
const get = (path) => fetch(path, { headers }).then((r) => r.json());
const events = '/v1/events?' + new URLSearchParams(q ? { limit: '50', q } : { limit: '50' });
const stats = (by) => '/v1/stats?' + new URLSearchParams(q ? { group_by: by, top: '5', q } : { group_by: by, top: '5' });
(async () => {
  let start = performance.now();
  await get(events);
  const page = performance.now() - start;
  start = performance.now();
  await Promise.all([get(events), get(stats('actor'))]);
  const overview = performance.now() - start;
  await get(stats('ip'));
  done([page, overview, performance.now() - start]);
})();
"""

def marks_after(previous_start):
    def ready(d):
        start, results, overview, addresses = d.execute_script(MARKS)
        if start is None or addresses is None or start == previous_start or addresses < start:
            return None
        return start, results, overview, addresses
    return wait.until(ready)

driver.get(URL + "/")
driver.execute_script("sessionStorage.setItem('audittrail.key', arguments[0])", KEY)
rows = {name: {q: [] for q in SEARCHES} for name in ("load→results", "load→overview", "search→results", "search→overview", "search→addresses", "api page", "api overview", "api addresses")}
total = driver.execute_script("return fetch('/v1/stats', {headers: {Authorization: 'Bearer ' + arguments[0]}}).then((r) => r.json()).then((s) => s.total)", KEY)
print("log holds %d events; %d runs per search" % (total, RUNS))
for run in range(RUNS):
    for q in SEARCHES:
        driver.get(URL + "/?q=" + __import__("urllib.parse").parse.quote(q))
        start, results, overview, _ = marks_after(None)
        rows["load→results"][q].append(results)
        rows["load→overview"][q].append(overview)
        box = driver.find_element(By.ID, "q")
        driver.execute_script("arguments[0].value = arguments[1]", box, q)
        driver.execute_script("document.getElementById('search').requestSubmit()")
        start2, results, overview, addresses = marks_after(start)
        rows["search→results"][q].append(results - start2)
        rows["search→overview"][q].append(overview - start2)
        rows["search→addresses"][q].append(addresses - start2)
        page, both, ips = driver.execute_async_script(REFERENCE, q)
        rows["api page"][q].append(page)
        rows["api overview"][q].append(both)
        rows["api addresses"][q].append(ips)
driver.quit()

median = lambda values: statistics.median(values)
ratio = lambda page, api, q: median([a / b for a, b in zip(rows[page][q], rows[api][q])])
print("%-40s %9s %9s %9s %9s %9s %7s %7s %7s" % ("search", "load→res", "load→ovw", "srch→res", "srch→ovw", "srch→ips", "res/api", "ovw/api", "ips/api"))
for q in SEARCHES:
    m = {name: median(rows[name][q]) for name in rows}
    print("%-40s %7.1fms %7.1fms %7.1fms %7.1fms %7.1fms %6.2f× %6.2f× %6.2f×" % (
        q or "(everything)", m["load→results"], m["load→overview"], m["search→results"], m["search→overview"], m["search→addresses"],
        ratio("search→results", "api page", q), ratio("search→overview", "api overview", q), ratio("search→addresses", "api addresses", q)))
for name in ("api page", "api overview", "api addresses"):
    print("%s (ms): %s" % (name, ", ".join("%.1f" % median(rows[name][q]) for q in SEARCHES)))
