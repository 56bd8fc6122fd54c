-- POST /v1/events/batch with 1,000 different events per request (random actors, addresses, resources,
-- correlation ids), so that the search index sees as many distinct keys as real traffic gives it:
--   AUDITTRAIL_KEY=… wrk -t1 -c8 -d20s -s Benchmarks/batch-varied.lua http://127.0.0.1:8080/v1/events/batch
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("AUDITTRAIL_KEY") or "")
local actions = {"document.read","document.update","user.login","user.logout","project.create","invoice.pay","dataset.export","repository.push"}
local types = {"document","project","invoice","user","repository","dataset"}
request = function()
  local parts = {}
  for i = 1, 1000 do
    local u = math.random(0, 9999)
    local a = actions[math.random(1, #actions)]
    local t = types[math.random(1, #types)]
    parts[i] = string.format('{"action":"%s","actor":{"id":"u-%d","name":"user%d","type":"user","ip":"10.%d.%d.%d"},"resource":{"type":"%s","id":"%d"},"request":{"correlation_id":"req-%d"},"outcome":"success","description":"User u-%d performed %s on %s","risk_score":%d,"location":{"country":"DE"},"tags":["bench"],"metadata":{"plan":"pro","items":%d}}',
      a, u, u, math.random(0,3), math.random(0,255), math.random(0,255), t, math.random(0,99999), math.random(0,999999999), u, a, t, math.random(0,99), math.random(0,49))
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end
