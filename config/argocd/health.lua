-- Argo CD health check for every kind of mailgun.operator.dev
-- (MailgunAccount, MailgunDomain, Webhook, Route, SMTPCredential, Template,
-- MailingList, and any
-- kind added later: nothing in it depends on the kind).
--
-- The operator writes kstatus-compatible status (see docs/gitops.md):
-- status.observedGeneration, a Ready condition that is always present, and
-- Reconciling or Stalled only while True, never both, with Ready False while
-- either is. Every condition carries its own observedGeneration.
--
--   deletionTimestamp set                   -> Progressing ("Pending deletion")
--   no status yet                           -> Progressing
--   status older than metadata.generation   -> Progressing
--   Stalled=True (the user must act)        -> Degraded
--   Reconciling=True (the operator retries) -> Progressing
--   Ready=True                              -> Healthy
--   Ready=False alone (never written)       -> Degraded
--   Ready=Unknown                           -> Progressing
--
-- Runs with Argo CD's default sandbox: no string library, only base and
-- table functions.
local hs = {}

local function findCondition(conditions, conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

-- "Reason: message", or whichever of the two is set.
local function describe(c)
  local reason = c.reason or ""
  local message = c.message or ""
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  if message ~= "" then
    return message
  end
  return reason
end

local status = obj.status
local conditions = {}
if status ~= nil and status.conditions ~= nil then
  conditions = status.conditions
end
local ready = findCondition(conditions, "Ready")
local reconciling = findCondition(conditions, "Reconciling")
local stalled = findCondition(conditions, "Stalled")

-- The generation the status describes: the top-level observedGeneration,
-- or Ready's own if that is older.
local generation = obj.metadata.generation
local observed = nil
if status ~= nil then
  observed = status.observedGeneration
end
if observed ~= nil and ready ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration < observed then
  observed = ready.observedGeneration
end
local current = generation == nil or (observed ~= nil and observed >= generation)

-- Argo CD itself reports "Pending deletion" before it runs a health check;
-- say the same, with what blocks the deletion when the operator reported it.
if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  if current then
    local blocker = nil
    if isTrue(stalled) then
      blocker = stalled
    elseif isTrue(reconciling) then
      blocker = reconciling
    end
    if blocker ~= nil then
      hs.message = "Pending deletion: " .. describe(blocker)
    end
  end
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

if not current then
  hs.status = "Progressing"
  if observed == nil then
    hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  else
    hs.message = "Waiting for the operator to observe generation " .. tostring(generation) ..
      " (status is for generation " .. tostring(observed) .. ")"
  end
  return hs
end

if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

if isTrue(reconciling) then
  hs.status = "Progressing"
  hs.message = describe(reconciling)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  -- MailgunDomain: Ready without verified DNS (requireVerifiedDNS off) is
  -- healthy, but say what the user still has to publish.
  local dns = findCondition(conditions, "DNSVerified")
  if dns ~= nil and dns.status == "False" then
    hs.message = hs.message .. "; " .. describe(dns)
  end
  return hs
end

if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready)
return hs
