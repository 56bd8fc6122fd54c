wrk.method = "POST"
wrk.body = '{"action":"doc.view","actor":{"id":"u-1"},"resource":{"type":"document","id":"42"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-admin-key-0123456789"
