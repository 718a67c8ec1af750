#!/usr/bin/env python3
"""cfnproxy.py: a scripted endpoint in front of moto_server for e2e tests.

moto cannot show a deploy's in-between states (change sets are ready at
once, stacks never show *_IN_PROGRESS, no resource events, no throttling).
This proxy forwards every request unchanged (method, path, headers, body:
SigV4 signatures stay valid) to moto and returns moto's answer, except where
a scenario changes it:

  --fault-rate R     answer a Query request (one with an Action) with
                     Throttling (400), ServiceUnavailable (503),
                     InternalFailure (500) or a dropped connection, with
                     probability R; --fault-after F of them after moto has
                     executed the request. --seed makes it repeatable.
  --pending N        the first N DescribeChangeSet answers per change set
                     are CREATE_PENDING / CREATE_IN_PROGRESS; a stack stays
                     *_IN_PROGRESS for the first N answers about it after an
                     execution (DescribeStacks, and DescribeStackEvents
                     first pages: a waiter may poll either), its events
                     (moto's final one included) showing up as they go.
  --stack-pending N  only the stacks' part of --pending (change sets are
                     ready at once).
  --resource-events  DescribeStackEvents also lists resource events,
                     synthesized from the template of the execution.
  --fail-resource ID the next execution whose template has resource ID
                     fails there and rolls back.

Faults of the kind a real network path shows (each names the actions it
applies to; S3 PutObject is named "PutObject"):

  --keep-alive       keep client connections open between requests (moto
                     itself answers "Connection: close"), so a client
                     reuses them, and a reset can hit a reused one.
  --reset-after A[:N]  forward A to moto, then reset the client connection
                     (RST, no response byte): the service ran the call and
                     its answer is lost. The first N times (default 1).
  --junk A           answer A with "200 OK" and an HTML page (a captive
                     portal), without forwarding it; --junk-after A
                     forwards it first (a proxy that mangled the answer).
  --endless A        every page of A (DescribeStackEvents,
                     DescribeChangeSet) carries a fresh NextToken; event
                     pages carry new events, never an old one.
  --loop-token A     as --endless, but every page carries the same
                     NextToken.
  --weird-text       service text with control characters: event reasons,
                     an output, a change in every change set.
  --stall A[:K]      hold the answer to the K-th and every later request of
                     A (default K=1) for --stall-seconds (default 60): a
                     service that has stopped answering (the request
                     itself is forwarded).
  --throttle A[:N]   answer the first N requests of A (default 1) with
                     Throttling (HTTP 400), without forwarding them.
  --drop-events      DescribeStackEvents answers carry no events (a waiter
                     that counts on them must notice the end otherwise).

GET /proxy-stats answers JSON counters (not forwarded): requests and
forwards per action, forwards of mutating calls per token, injected
faults ("injected": {"reset": {A: n}, "junk": ..., "pages": ...,
"throttle": ...}), and when each request of an action came ("times":
{A: [seconds since the proxy started or was reset, ...]}).
A forwarded POST /moto-api/reset also resets the proxy (state, counters,
seed). Only loopback addresses are used. Python 3 standard library only.
"""

import argparse
import http.client
import http.server
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

LOOPBACK = ("127.0.0.1", "localhost", "::1")
NAMESPACES = {
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
# Actions that change state, and the request fields whose forwards we count.
MUTATING = ("CreateChangeSet", "ExecuteChangeSet", "DeleteStack",
            "CreateStack", "UpdateStack")
TOKEN_FIELDS = ("ClientToken", "ClientRequestToken", "ChangeSetName",
                "StackName")
FAULTS = (  # (name, HTTP status, Type, message)
    ("Throttling", 400, "Sender", "Rate exceeded"),
    ("ServiceUnavailable", 503, "Receiver", "Service is unavailable."),
    ("InternalFailure", 500, "Receiver",
     "The request processing has failed because of an unknown error, "
     "exception or failure."),
    ("drop", 0, "", ""),
)
HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding",
              "content-length")
STACK_TYPE = "AWS::CloudFormation::Stack"
EVENT_STEP = timedelta(microseconds=100)   # between synthesized events
PAGE_EVENTS = 5                            # events per --endless page
JUNK_PAGE = (b"<html><head><title>Sign in to the guest network</title></head>"
             b"<body><p>Please accept the terms to continue.</p></body></html>")
# XML 1.0 allows LF, CR and C1 controls (U+009B is CSI) as text, not ESC
WEIRD = "line one\nline two\r\u009b[31mred\u009b[0m"


def log(msg):
    print("cfnproxy: " + msg, file=sys.stderr, flush=True)


# ---- small helpers ----

def stack_name_of(ref):
    """A stack name from a name or a stack ARN (...:stack/NAME/uuid)."""
    m = re.match(r"arn:[^:]*:cloudformation:[^:]*:[^:]*:stack/([^/]+)/", ref)
    return m.group(1) if m else ref


def service_of(headers):
    """The service in the SigV4 credential scope, or ''."""
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request",
                  headers.get("Authorization", ""))
    return m.group(1) if m else ""


def fmt_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s):
    for f in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(s, f).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return datetime.min.replace(tzinfo=timezone.utc)


def error_xml(service, code, typ, message, request_id):
    ns = NAMESPACES.get(service)
    xmlns = ' xmlns="%s"' % ns if ns else ""
    return ("<ErrorResponse%s><Error><Type>%s</Type><Code>%s</Code>"
            "<Message>%s</Message></Error><RequestId>%s</RequestId>"
            "</ErrorResponse>" % (xmlns, typ, code, message, request_id)
            ).encode()


def template_resources(body):
    """{logical id: (type, definition text)} in template order, from a JSON
    or (block-style) YAML template; {} when nothing can be read."""
    try:
        doc = json.loads(body)
        return {k: (v.get("Type", ""), json.dumps(v, sort_keys=True))
                for k, v in doc.get("Resources", {}).items()
                if isinstance(v, dict)}
    except (ValueError, AttributeError):
        pass
    out, lines, i = {}, body.splitlines(), 0
    while i < len(lines) and not re.match(r"Resources:\s*(#.*)?$", lines[i]):
        i += 1
    key_indent, cur, prop_indent = None, None, None
    for line in lines[i + 1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            break
        if key_indent is None:
            key_indent = indent
        m = re.match(r"\s*['\"]?([^'\":#\s]+)['\"]?\s*:\s*(#.*)?$", line)
        if indent == key_indent and m:
            cur, prop_indent = m.group(1), None
            out[cur] = ["", ""]
        elif cur and indent > key_indent:
            out[cur][1] += line.rstrip() + "\n"
            prop_indent = prop_indent or indent
            t = re.match(r"\s*Type:\s*['\"]?([^'\"\s#]+)", line)
            if t and indent == prop_indent:
                out[cur][0] = t.group(1)
    return {k: tuple(v) for k, v in out.items()}


# ---- executions and their synthesized timeline ----

class Execution:
    """One ExecuteChangeSet (or CreateStack/UpdateStack) of a stack."""

    def __init__(self, stack, op, t0, t1, timeline, failed, synth):
        self.stack = stack          # stack name
        self.op = op                # "CREATE" or "UPDATE"
        self.t0, self.t1 = t0, t1   # moto ran it between these times
        self.timeline = timeline    # synthesized events, oldest first
        self.failed = failed
        self.synth = synth          # show the timeline in events
        self.polls = 0              # DescribeStacks answers since
        self.dups = []              # (t0, t1) of moto re-running it

    def owns(self, ts):
        return self.t0 <= ts <= self.t1

    def dup_of(self, ts):
        return any(a <= ts <= b for a, b in self.dups)


def build_timeline(stack, op, new, old, fail_id, t1, seq):
    """Events after moto's own "*_IN_PROGRESS User Initiated" one, oldest
    first; the last one is the stack's final event."""
    events = []

    def add(logical, rtype, status, reason=""):
        ts = t1 + EVENT_STEP * (len(events) + 1)
        if rtype == STACK_TYPE:
            eid = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                 "cfnproxy/%s/%d/%d" % (stack, seq, len(events))))
            phys = ""   # filled with the StackId when rendered
        else:
            eid = "%s-%s-%s" % (logical, status, fmt_time(ts))
            phys = "" if status == "CREATE_IN_PROGRESS" else \
                "%s-%s-%s" % (stack, logical, uuid.uuid5(
                    uuid.NAMESPACE_URL, "%s/%s" % (stack, logical)).hex[:12].upper())
        events.append({"LogicalResourceId": logical, "ResourceType": rtype,
                       "ResourceStatus": status, "ResourceStatusReason": reason,
                       "PhysicalResourceId": phys, "EventId": eid,
                       "Timestamp": fmt_time(ts)})

    if op == "CREATE" or old is None:
        adds = list(new) if op == "CREATE" else []
        mods = [] if op == "CREATE" else list(new)
        removes = []
    else:
        adds = [k for k in new if k not in old]
        mods = [k for k in new if k in old and new[k][1] != old[k][1]]
        removes = [k for k in old if k not in new]
    if fail_id and fail_id not in adds and fail_id not in mods:
        mods.append(fail_id)     # untouched resources can fail too
    order = [(k, "CREATE") for k in adds] + [(k, "UPDATE") for k in mods]

    def type_of(k):
        return (new.get(k) or old.get(k))[0]

    if not fail_id:
        for k, verb in order:
            add(k, type_of(k), verb + "_IN_PROGRESS")
            add(k, type_of(k), verb + "_COMPLETE")
        if op == "UPDATE":
            add(stack, STACK_TYPE, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            for k in removes:
                add(k, type_of(k), "DELETE_IN_PROGRESS")
                add(k, type_of(k), "DELETE_COMPLETE")
        add(stack, STACK_TYPE, op + "_COMPLETE")
        return events

    f = [k for k, _ in order].index(fail_id)
    for k, verb in order[:f]:
        add(k, type_of(k), verb + "_IN_PROGRESS")
        add(k, type_of(k), verb + "_COMPLETE")
    for k, verb in order[f:]:
        add(k, type_of(k), verb + "_IN_PROGRESS")
    k, verb = order[f]
    add(k, type_of(k), verb + "_FAILED",
        'Resource handler returned message: "Access Denied" (RequestToken: '
        '%s, HandlerErrorCode: AccessDenied)'
        % uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d/token" % (stack, seq)))
    for k, verb in order[f + 1:]:
        add(k, type_of(k), verb + "_FAILED", "Resource %s cancelled"
            % ("creation" if verb == "CREATE" else "update"))
    why = " ".join(
        "The following resource(s) failed to %s: [%s]." % (
            verb.lower(), ", ".join(sorted(k for k, v in order[f:] if v == verb)))
        for verb in ("CREATE", "UPDATE") if any(v == verb for _, v in order[f:]))
    if op == "CREATE":
        add(stack, STACK_TYPE, "ROLLBACK_IN_PROGRESS",
            why + " Rollback requested by user.")
        for k, _ in reversed(order):
            add(k, type_of(k), "DELETE_IN_PROGRESS")
            add(k, type_of(k), "DELETE_COMPLETE")
        add(stack, STACK_TYPE, "ROLLBACK_COMPLETE")
    else:
        add(stack, STACK_TYPE, "UPDATE_ROLLBACK_IN_PROGRESS", why)
        for k in reversed(mods):
            add(k, type_of(k), "UPDATE_IN_PROGRESS")
            add(k, type_of(k), "UPDATE_COMPLETE")
        add(stack, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for k in reversed(adds):
            add(k, type_of(k), "DELETE_IN_PROGRESS")
            add(k, type_of(k), "DELETE_COMPLETE")
        add(stack, STACK_TYPE, "UPDATE_ROLLBACK_COMPLETE")
    return events


# ---- the proxy's state ----

class Proxy:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.rng = random.Random(self.opts.seed)
        self.fail_ids = list(self.opts.fail_resource)
        self.stats = {"requests": {}, "forwarded": {},
                      "faults": {"total": 0, "before": 0, "after": 0,
                                 "kinds": {}, "actions": {}},
                      "tokens": {},
                      "injected": {"reset": {}, "junk": {}, "pages": {},
                                   "stall": {}, "throttle": {}}}
        self.resets = dict(self.opts.reset_after)   # action -> times left
        self.throttles = dict(self.opts.throttle)   # action -> times left
        self.t0 = time.monotonic()
        self.stats["times"] = {}
        self.seen = {}          # action -> requests so far (for --stall)
        self.stack_pending = self.opts.pending if self.opts.stack_pending is None \
            else self.opts.stack_pending
        self.page_no = 0
        self.change_sets = {}   # ARN or "stack/name" -> info dict
        self.templates = {}     # stack name -> template of last execution
        self.execs = {}         # stack name -> [Execution], oldest first
        self.cs_answers = {}    # ChangeSetId -> answers given
        self.seq = 0
        self.fault_no = 0

    # -- counters --

    def bump(self, table, key):
        table[key] = table.get(key, 0) + 1

    def count_forward(self, action, params):
        self.bump(self.stats["forwarded"], action)
        if action not in MUTATING:
            return
        per = self.stats["tokens"].setdefault(action, {})
        for field in TOKEN_FIELDS:
            value = params.get(field)
            if value is None:
                continue
            if field == "ChangeSetName" and not value.startswith("arn:"):
                value = "%s/%s" % (params.get("StackName", ""), value)
            self.bump(per.setdefault(field, {}), value)

    # -- faults --

    def draw_fault(self, action):
        """(fault tuple, after?) or None. Three draws per eligible request,
        so the n-th request's fate depends only on the seed."""
        r, k, w = self.rng.random(), self.rng.random(), self.rng.random()
        only = self.opts.fault_actions
        if r >= self.opts.fault_rate or (only and action not in only):
            return None
        return FAULTS[int(k * len(FAULTS))], w < self.opts.fault_after

    def fault_response(self, fault, after, action, service):
        name, status, typ, message = fault
        st = self.stats["faults"]
        st["total"] += 1
        st["after" if after else "before"] += 1
        self.bump(st["kinds"], name)
        self.bump(st["actions"], action)
        self.fault_no += 1
        log("fault %s %s %s" % (name, "after" if after else "before", action))
        if name == "drop":
            return None
        rid = "cfnproxy-fault-%06d" % self.fault_no
        return (status, [("Content-Type", "text/xml"),
                         ("x-amzn-RequestId", rid)],
                error_xml(service, name, typ, message, rid))

    # -- network faults --

    def take_reset(self, name):
        """Reset the connection after forwarding name, this time?"""
        if self.resets.get(name, 0) <= 0:
            return False
        self.resets[name] -= 1
        self.bump(self.stats["injected"]["reset"], name)
        log("reset after %s" % name)
        return True

    def take_stall(self, name):
        """Hold the answer to this request of name?"""
        if name not in self.opts.stall:
            return False
        self.seen[name] = self.seen.get(name, 0) + 1
        if self.seen[name] < self.opts.stall[name]:
            return False
        self.bump(self.stats["injected"]["stall"], name)
        log("stalling the answer to %s" % name)
        return True

    def take_throttle(self, name, service):
        """--throttle: a Throttling answer to this request of name, or None."""
        if self.throttles.get(name, 0) <= 0:
            return None
        self.throttles[name] -= 1
        self.bump(self.stats["injected"]["throttle"], name)
        self.fault_no += 1
        rid = "cfnproxy-throttle-%06d" % self.fault_no
        return (400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
                error_xml(service, "Throttling", "Sender", "Rate exceeded", rid))

    def junk(self, name):
        self.bump(self.stats["injected"]["junk"], name)
        log("junk 200 for %s" % name)
        return (200, [("Content-Type", "text/html")], JUNK_PAGE)

    def repage(self, action, params, root):
        """--endless / --loop-token: a NextToken on every page of action;
        True when root changed."""
        res = find(root, action + "Result")
        if res is None:
            return False
        self.page_no += 1
        self.bump(self.stats["injected"]["pages"], action)
        set_child(res, "NextToken", "cfnproxy-loop" if action in self.opts.loop_token
                  else "cfnproxy-page-%d" % self.page_no)
        box = find(res, "StackEvents")
        if action == "DescribeStackEvents" and box is not None:
            members = list(box)
            ns = box.tag[:box.tag.index("}") + 1] if box.tag.startswith("{") else ""
            stack = params.get("StackName", "")
            sid = find_text(members[0], "StackId") if members else stack
            for m in members:
                box.remove(m)
            t0 = datetime.now(timezone.utc) - timedelta(seconds=self.page_no)
            for i in range(PAGE_EVENTS):
                n = self.page_no * PAGE_EVENTS + i
                box.append(event_element(ns, sid, stack_name_of(stack), {
                    "LogicalResourceId": "Endless%d" % n,
                    "ResourceType": "AWS::SNS::Topic",
                    "ResourceStatus": "CREATE_IN_PROGRESS",
                    "ResourceStatusReason": "",
                    "PhysicalResourceId": "",
                    "EventId": "cfnproxy-event-%d" % n,
                    "Timestamp": fmt_time(t0 - EVENT_STEP * i)}))
        return True

    def weird(self, action, root):
        """--weird-text: control characters in text the client prints."""
        if action == "DescribeStackEvents":
            for m in find_all(root, "DescribeStackEventsResult/StackEvents/member"):
                set_child(m, "ResourceStatusReason", "reason " + WEIRD)
        elif action == "DescribeStacks":
            for m in find_all(root, "DescribeStacksResult/Stacks/member"):
                outs = find(m, "Outputs")
                if outs is None:
                    outs = ET.SubElement(m, m.tag[:m.tag.index("}") + 1] + "Outputs"
                                         if m.tag.startswith("{") else "Outputs")
                ns = outs.tag[:outs.tag.index("}") + 1] if outs.tag.startswith("{") else ""
                o = ET.SubElement(outs, ns + "member")
                ET.SubElement(o, ns + "OutputKey").text = "Weird\u009b[1m"
                ET.SubElement(o, ns + "OutputValue").text = "value " + WEIRD
        elif action == "DescribeChangeSet":
            res = find(root, "DescribeChangeSetResult")
            changes = find(res, "Changes") if res is not None else None
            if changes is None:
                return False
            ns = changes.tag[:changes.tag.index("}") + 1] if changes.tag.startswith("{") else ""
            m = ET.SubElement(changes, ns + "member")
            ET.SubElement(m, ns + "Type").text = "Resource"
            rc = ET.SubElement(m, ns + "ResourceChange")
            for name, text in (("Action", "Modify\n"), ("LogicalResourceId", "Weird\nId"),
                               ("ResourceType", "AWS::IAM::Role\u009b[31m"),
                               ("Replacement", "False\r")):
                ET.SubElement(rc, ns + name).text = text
            d = ET.SubElement(ET.SubElement(rc, ns + "Details"), ns + "member")
            ET.SubElement(ET.SubElement(d, ns + "Target"), ns + "Name").text = "Prop\nName"
        else:
            return False
        return True

    # -- state from forwarded mutations --

    def remember(self, action, params, status, body, t0, t1):
        if status != 200:
            return
        root = parse_xml(body)
        if action == "CreateChangeSet":
            stack = stack_name_of(params.get("StackName", ""))
            info = {"stack": stack,
                    "type": params.get("ChangeSetType", "CREATE"),
                    "template": self.template_of(params, stack)}
            arn = find_text(root, "CreateChangeSetResult/Id")
            if arn:
                self.change_sets[arn] = info
            self.change_sets[stack + "/" + params.get("ChangeSetName", "")] = info
        elif action == "ExecuteChangeSet":
            name = params.get("ChangeSetName", "")
            info = self.change_sets.get(name) or self.change_sets.get(
                stack_name_of(params.get("StackName", "")) + "/" + name)
            if info and info.get("execution"):
                # moto runs an executed change set again; AWS would refuse
                info["execution"].dups.append((t0, t1))
                log("change set %s executed again" % name)
            elif info:
                op = "CREATE" if info["type"] == "CREATE" else "UPDATE"
                info["execution"] = self.execute(info["stack"], op,
                                                 info["template"], t0, t1)
        elif action in ("CreateStack", "UpdateStack"):
            stack = stack_name_of(params.get("StackName", ""))
            self.execute(stack, action[:6].upper(),
                         self.template_of(params, stack), t0, t1)
        elif action == "DeleteStack":
            stack = stack_name_of(params.get("StackName", ""))
            for table in (self.templates, self.execs):
                table.pop(stack, None)

    def template_of(self, params, stack):
        if "TemplateBody" in params:
            return params["TemplateBody"]
        if params.get("UsePreviousTemplate") == "true":
            return self.templates.get(stack, "")
        return ""   # TemplateURL: not fetched (it would need signing)

    def execute(self, stack, op, template, t0, t1):
        new = template_resources(template) if template else {}
        old = template_resources(self.templates[stack]) \
            if stack in self.templates else None
        fail_id = next((f for f in self.fail_ids if f in new), None)
        if fail_id:
            self.fail_ids.remove(fail_id)
        self.seq += 1
        timeline = build_timeline(stack, op, new, old, fail_id, t1, self.seq)
        synth = self.opts.resource_events or bool(fail_id)
        self.execs.setdefault(stack, []).append(
            Execution(stack, op, t0, t1, timeline, bool(fail_id), synth))
        if template:
            self.templates[stack] = template
        log("execution %d of %s: %s, %d resources%s" % (
            self.seq, stack, op, len(new),
            ", failing at " + fail_id if fail_id else ""))
        return self.execs[stack][-1]

    # -- rewriting answers --

    def final(self, ex):
        """Does an answer about ex's stack now show it settled?"""
        return self.stack_pending == 0 or ex.polls >= self.stack_pending

    def visible(self, ex):
        """How many timeline events the client may see now: all once the
        stack is final, else a share that grows with each answer."""
        n, total = self.stack_pending, len(ex.timeline)
        if self.final(ex):
            return total
        return (total - 1) * (ex.polls + 1) // (n + 1)

    def rewrite(self, action, params, root):
        """Rewrite a parsed 200 answer in place; True when changed."""
        if action == "DescribeChangeSet":
            return self.rewrite_change_set(root)
        if action == "DescribeStacks":
            return self.rewrite_stacks(root)
        if action == "DescribeStackEvents":
            return self.rewrite_events(root, "NextToken" not in params)
        return False

    def rewrite_change_set(self, root):
        res = find(root, "DescribeChangeSetResult")
        csid = find_text(res, "ChangeSetId")
        if res is None or not csid:
            return False
        i = self.cs_answers.get(csid, 0)
        self.cs_answers[csid] = i + 1
        if i >= self.opts.pending:
            return False
        set_child(res, "Status", "CREATE_PENDING" if i == 0
                  else "CREATE_IN_PROGRESS")
        set_child(res, "ExecutionStatus", "UNAVAILABLE")
        set_child(res, "StatusReason", None)
        changes = find(res, "Changes")
        if changes is not None:
            changes.clear()
        return True

    def rewrite_stacks(self, root):
        changed = False
        for m in find_all(root, "DescribeStacksResult/Stacks/member"):
            execs = self.execs.get(find_text(m, "StackName"))
            if not execs:
                continue
            ex = execs[-1]
            status, reason = None, None
            if not self.final(ex):
                status = ex.op + "_IN_PROGRESS"
                for e in ex.timeline[:self.visible(ex)]:
                    if e["ResourceType"] == STACK_TYPE:
                        status = e["ResourceStatus"]
                        reason = e["ResourceStatusReason"] or None
            elif ex.failed:
                status = ex.timeline[-1]["ResourceStatus"]
            ex.polls += 1
            if status:
                set_child(m, "StackStatus", status)
                set_child(m, "StackStatusReason", reason, after="StackStatus")
                changed = True
        return changed

    def rewrite_events(self, root, first_page):
        """The events of the executions so far: moto's own final event of
        an execution only once the stack shows it settled (and never for a
        synthesized one, whose timeline carries the end); a first page is
        one more answer about the stack."""
        box = find(root, "DescribeStackEventsResult/StackEvents")
        if box is None:
            return False
        members = list(box)
        stack = find_text(members[0], "StackName") if members else None
        execs = self.execs.get(stack, [])
        if not execs:
            return False
        ns = box.tag[:box.tag.index("}") + 1] if box.tag.startswith("{") else ""
        sid = find_text(members[0], "StackId")
        keep = []
        for m in members:
            ts = parse_time(find_text(m, "Timestamp") or "")
            is_stack = find_text(m, "ResourceType") == STACK_TYPE
            status = find_text(m, "ResourceStatus") or ""
            if is_stack and any(ex.dup_of(ts) or (
                    ex.owns(ts) and not status.endswith("_IN_PROGRESS") and
                    (ex.synth or not self.final(ex))) for ex in execs):
                continue
            keep.append((ts, m))
        for ex in execs:
            if ex.synth:
                for e in ex.timeline[:self.visible(ex)]:
                    keep.append((parse_time(e["Timestamp"]),
                                 event_element(ns, sid, stack, e)))
        if first_page:
            execs[-1].polls += 1
        if len(keep) == len(members) and not any(ex.synth for ex in execs):
            return False
        keep.sort(key=lambda p: p[0], reverse=True)
        for m in members:
            box.remove(m)
        box.extend(m for _, m in keep)
        return True


# ---- XML helpers (moto's answers are small and regular) ----

def parse_xml(body):
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find(node, path):
    for step in path.split("/"):
        if node is None:
            return None
        node = next((c for c in node if local(c.tag) == step), None)
    return node


def find_all(node, path):
    head, _, last = path.rpartition("/")
    parent = find(node, head) if head else node
    return [] if parent is None else [c for c in parent if local(c.tag) == last]


def find_text(node, path):
    n = find(node, path) if node is not None else None
    return None if n is None else (n.text or "")


def set_child(parent, name, text, after=None):
    """Set (text) or remove (None) the child element name."""
    ns = parent.tag[:parent.tag.index("}") + 1] if parent.tag.startswith("{") else ""
    cur = find(parent, name)
    if text is None:
        if cur is not None:
            parent.remove(cur)
        return
    if cur is None:
        cur = ET.Element(ns + name)
        prev = find(parent, after) if after else None
        idx = list(parent).index(prev) + 1 if prev is not None else len(parent)
        parent.insert(idx, cur)
    cur.text = text


def event_element(ns, stack_id, stack, e):
    m = ET.Element(ns + "member")
    phys = e["PhysicalResourceId"] or (
        stack_id if e["ResourceType"] == STACK_TYPE else "")
    for name, text in (("StackId", stack_id), ("EventId", e["EventId"]),
                       ("StackName", stack),
                       ("LogicalResourceId", e["LogicalResourceId"]),
                       ("PhysicalResourceId", phys),
                       ("ResourceType", e["ResourceType"]),
                       ("Timestamp", e["Timestamp"]),
                       ("ResourceStatus", e["ResourceStatus"]),
                       ("ResourceStatusReason", e["ResourceStatusReason"])):
        if text:
            ET.SubElement(m, ns + name).text = text
    return m


def serialize(root):
    ns = root.tag[1:root.tag.index("}")] if root.tag.startswith("{") else None
    if ns:
        out = ET.tostring(root, encoding="unicode", default_namespace=ns)
    else:
        out = ET.tostring(root, encoding="unicode")
    return out.replace("\r", "&#13;").encode()   # a raw CR would read as LF


# ---- HTTP ----

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # also answers "Expect: 100-continue"
    proxy = None                    # set in main()
    upstream = None                 # (host, port)

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if self.path == "/proxy-stats":
            with self.proxy.lock:
                body = json.dumps(self.proxy.stats, indent=1,
                                  sort_keys=True).encode()
            self.answer(200, [("Content-Type", "application/json")], body)
            return
        self.handle_any()

    def handle_any(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.answer(411, [("Content-Type", "text/plain")],
                        b"cfnproxy: send a Content-Length\n")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params = {}
        if "application/x-www-form-urlencoded" in self.headers.get(
                "Content-Type", "") or "Action=" in self.path:
            query = self.path.partition("?")[2]
            for src in (query, body.decode("utf-8", "replace")):
                for k, v in urllib.parse.parse_qsl(src, keep_blank_values=True):
                    params.setdefault(k, v)
        action = params.get("Action")
        harness = self.path.startswith("/moto-api/")
        # the name faults are chosen by: the Query action, or PutObject
        name = action or ("PutObject" if self.command == "PUT" and
                          service_of(self.headers) == "s3" else None)
        p = self.proxy
        o = p.opts
        with p.lock:
            p.bump(p.stats["requests"], action or ("(moto-api)" if harness
                                                    else "(no Action)"))
            if name:
                p.stats["times"].setdefault(name, []).append(
                    round(time.monotonic() - p.t0, 4))
            throttle = name and p.take_throttle(name, service_of(self.headers))
            if throttle:
                self.answer(*throttle)
                return
            if name in o.junk:
                self.answer(*p.junk(name))
                return
            fault = p.draw_fault(action) if action else None
            if fault and not fault[1]:
                self.answer_fault(p.fault_response(fault[0], False, action,
                                                   service_of(self.headers)))
                return
            t0 = datetime.now(timezone.utc)
            try:
                status, reason, headers, rbody = self.forward(body)
            except OSError as exc:
                log("upstream failed: %s" % exc)
                self.answer(502, [("Content-Type", "text/plain")],
                            b"cfnproxy: upstream failed\n")
                return
            t1 = datetime.now(timezone.utc)
            p.count_forward(action or "(no Action)", params)
            if self.path.rstrip("/") == "/moto-api/reset" and status == 200:
                p.reset()
            if action in MUTATING:
                p.remember(action, params, status, rbody, t0, t1)
            if name and p.take_reset(name):
                self.reset()
                return
            if name in o.junk_after:
                self.answer(*p.junk(name))
                return
            if fault:
                self.answer_fault(p.fault_response(fault[0], True, action,
                                                   service_of(self.headers)))
                return
            if status == 200 and action in ("DescribeChangeSet",
                                            "DescribeStacks",
                                            "DescribeStackEvents"):
                root = parse_xml(rbody)
                changed = root is not None and p.rewrite(action, params, root)
                if root is not None and action in o.endless | o.loop_token:
                    changed = p.repage(action, params, root) or changed
                if root is not None and o.weird_text:
                    changed = p.weird(action, root) or changed
                if root is not None and o.drop_events and action == "DescribeStackEvents":
                    box = find(root, "DescribeStackEventsResult/StackEvents")
                    changed = box is not None or changed
                    if box is not None:
                        box.clear()
                if changed:
                    rbody = serialize(root)
            stall = name and p.take_stall(name)
        if stall:
            time.sleep(o.stall_seconds)     # outside the lock: other requests go on
        self.answer(status, headers, rbody, reason)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    def forward(self, body):
        """Send the request as received; return moto's answer."""
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            for k, v in self.headers.items():
                conn.putheader(k, v)
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            rbody = resp.read()
            headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in HOP_BY_HOP or (
                           k.lower() == "content-length" and
                           self.command == "HEAD")]
            return resp.status, resp.reason, headers, rbody
        finally:
            conn.close()

    def reset(self):
        """Close the connection with an RST (SO_LINGER 0) and no byte."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def answer_fault(self, resp):
        if resp is None:        # drop: close without a byte
            self.close_connection = True
            return
        self.answer(*resp)

    def answer(self, status, headers, body, reason=None):
        names = {k.lower() for k, _ in headers}
        keep = self.proxy.opts.keep_alive
        self.close_connection = not keep
        self.send_response_only(status, reason)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for k, v in headers:
            self.send_header(k, v)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        if not keep:
            self.send_header("Connection", "close")
        try:
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            log("client went away before the answer")


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="cfnproxy.py",
        description="Scripted endpoint in front of moto_server: forwards "
        "requests unchanged and injects faults, pending states and "
        "resource events. GET /proxy-stats gives JSON counters.")
    ap.add_argument("--upstream", required=True,
                    help="moto_server URL, e.g. http://127.0.0.1:5000")
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1 (0: pick one, print PORT=<n>)")
    ap.add_argument("--fault-rate", type=float, default=0.0, metavar="R",
                    help="probability of a fault per Query request")
    ap.add_argument("--fault-after", type=float, default=0.5, metavar="F",
                    help="fraction of faults injected after moto ran the "
                    "request (default 0.5)")
    ap.add_argument("--fault-actions", default="", metavar="A,B",
                    help="only fault these actions (default: all)")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument("--pending", type=int, default=0, metavar="N",
                    help="answers that show a change set or stack still "
                    "in progress")
    ap.add_argument("--stack-pending", type=int, default=None, metavar="N",
                    help="as --pending, for stacks only")
    ap.add_argument("--resource-events", action="store_true",
                    help="synthesize resource events from the template")
    ap.add_argument("--fail-resource", action="append", default=[],
                    metavar="LOGICAL_ID",
                    help="fail the next execution containing it (repeatable)")
    ap.add_argument("--keep-alive", action="store_true",
                    help="keep client connections open between requests")
    ap.add_argument("--reset-after", action="append", default=[],
                    metavar="ACTION[:N]", help="forward ACTION, then reset "
                    "the connection with no answer, the first N times")
    ap.add_argument("--junk", action="append", default=[], metavar="ACTION",
                    help="answer ACTION with 200 and an HTML page, unforwarded")
    ap.add_argument("--junk-after", action="append", default=[],
                    metavar="ACTION", help="forward ACTION, then answer "
                    "200 and an HTML page")
    ap.add_argument("--endless", action="append", default=[],
                    metavar="ACTION", help="a fresh NextToken on every page "
                    "(and new events on every events page)")
    ap.add_argument("--loop-token", action="append", default=[],
                    metavar="ACTION", help="the same NextToken on every page")
    ap.add_argument("--drop-events", action="store_true",
                    help="DescribeStackEvents answers carry no events")
    ap.add_argument("--weird-text", action="store_true",
                    help="control characters in service text")
    ap.add_argument("--stall", action="append", default=[], metavar="ACTION[:K]",
                    help="hold the answer to the K-th and later ACTION requests "
                    "for --stall-seconds")
    ap.add_argument("--stall-seconds", type=float, default=60.0, metavar="S",
                    help="how long --stall holds an answer (default 60)")
    ap.add_argument("--throttle", action="append", default=[], metavar="ACTION[:N]",
                    help="answer the first N ACTION requests with Throttling")
    opts = ap.parse_args(argv)
    opts.fault_actions = set(filter(None, opts.fault_actions.split(",")))

    def counts(specs, flag):
        """["A", "B:3"] -> {"A": 1, "B": 3}"""
        out = {}
        for spec in specs:
            act, _, n = spec.partition(":")
            if n and not n.isdigit():
                ap.error(flag + " ACTION[:N]")
            out[act] = int(n or 1)
        return out
    opts.reset_after = counts(opts.reset_after, "--reset-after")
    opts.stall = counts(opts.stall, "--stall")
    opts.throttle = counts(opts.throttle, "--throttle")
    for name in ("junk", "junk_after", "endless", "loop_token"):
        setattr(opts, name, set(getattr(opts, name)))

    up = urllib.parse.urlsplit(opts.upstream)
    if up.scheme != "http" or up.hostname not in LOOPBACK or not up.port:
        ap.error("--upstream must be http://127.0.0.1:PORT (loopback only)")
    if not 0 <= opts.fault_rate <= 1 or not 0 <= opts.fault_after <= 1:
        ap.error("--fault-rate and --fault-after are between 0 and 1")

    Handler.proxy = Proxy(opts)
    Handler.upstream = (up.hostname, up.port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    server.daemon_threads = True
    print("PORT=%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
