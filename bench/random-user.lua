-- wrk script: every request asks for a random user's page, as the talk's benchmark did.
-- USERS (env) is the number of seeded users (default 100000).
local users = tonumber(os.getenv("USERS") or "100000")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", "/users/" .. math.random(1, users))
end
