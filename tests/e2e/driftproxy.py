#!/usr/bin/env python3
"""driftproxy.py: a scripted endpoint in front of moto_server for the drift
tests (tests/e2e/test_drift_api.py, and `luaform drift`'s). moto has no
drift detection at all, cannot show the code hashes of Lambda functions a
stack made, and skips AWS::Lambda::Alias. Every request is forwarded to
moto unchanged (method, path, headers, body: SigV4 signatures stay valid,
and moto checks them) and moto's answer returned, except:

- the Query actions DetectStackDrift, DescribeStackDriftDetectionStatus and
  DescribeStackResourceDrifts, answered from the scenario (CloudFormation's
  XML, namespace and ResponseMetadata included), never forwarded;
- Lambda GetFunction (with or without a qualifier: ?Qualifier=Q, NAME:Q or
  an ARN ending :Q) and GetAlias: forwarded, then the scenario's fields put
  over moto's answer; answered from the scenario alone when moto has no such
  function or alias and the scenario defines it; answered 404
  ResourceNotFoundException (Lambda's answer) when the scenario maps it to
  null;
- ListStackResources, when the scenario has "list_page_size": moto's whole
  list (moto does not page it) handed out that many at a time.

The scenario is a JSON file (--scenario FILE; none: {}), replaced while the
proxy runs by POST /proxy-scenario with the new scenario as the body (GET
/proxy-scenario shows it), so one proxy serves several steps of a test.
Detections already started are kept across a change and answered by the
scenario of the moment. Every key is optional:

  {"detect": {"pending": 2,                 the first N status answers of each
                                            detection: DETECTION_IN_PROGRESS
              "status": "DETECTION_COMPLETE",   then this DetectionStatus
              "stack_drift_status": "DRIFTED",  default: DRIFTED when the stack's
                                            drifts hold a MODIFIED or DELETED one,
                                            else IN_SYNC; null: left out
              "reason": "",                 DetectionStatusReason ("": left out)
              "drifted_count": 1,           default: the MODIFIED and DELETED
                                            drifts of the stack; null: left out
              "error": {"code": "ValidationError", "message": "...", "status": 400},
                                            DetectStackDrift answers this error
              "stacks": {"NAME": {...}}},   any of the above for one stack only
   "drifts": {"NAME": [ StackResourceDrift, ... ]},
                                            DescribeStackResourceDrifts of a stack
                                            (by name or stack ARN), in this order;
                                            a stack not here has none. Each is
                                            {"LogicalResourceId", "PhysicalResourceId",
                                            "ResourceType", "StackResourceDriftStatus",
                                            "DriftStatusReason", "ExpectedProperties",
                                            "ActualProperties" (string or JSON),
                                            "PropertyDifferences": [{"PropertyPath",
                                            "ExpectedValue", "ActualValue",
                                            "DifferenceType"}]}: each element written
                                            only when given (StackId and Timestamp
                                            made up when not), so a test can leave
                                            out one the API always gives
   "page_size": 100,                        drifts per page (and at most MaxResults);
                                            StackResourceDriftStatusFilters.member.N
                                            is honoured
   "resources": {"NAME": {"LOGICAL_ID": {"PhysicalResourceId": "..."}}},
                                            ListStackResources of a stack with
                                            these fields set (a member moto lacks
                                            is added; the nameless member moto
                                            lists for a resource it skipped, such
                                            as AWS::Lambda::Alias, is dropped):
                                            real AWS gives a version's ARN and an
                                            alias's, moto neither
   "fail": {"OPERATION": {"code": "AccessDenied", "message": "...", "status": 403,
                          "stack": "NAME"}},
                                            answer OPERATION (a Query action, or
                                            GetFunction/GetAlias) with this error,
                                            unforwarded (only for that stack, when
                                            "stack" is given)
   "stack_status": {"NAME": "UPDATE_IN_PROGRESS"},
                                            DescribeStacks shows the stack so
   "list_page_size": 2,                     page ListStackResources
   "loop_token": true,                      every paged answer (drifts, and
                                            ListStackResources with list_page_size)
                                            carries the same NextToken, leading to
                                            the second page again
   "endless_token": true,                   every paged answer carries a new
                                            NextToken, leading to the same page
   "raw": {"ACTION": "<xml/>"},             answer a scripted Query action with this
                                            body (HTTP 200), as it is
   "lambda": {"functions": {"NAME": {"CodeSha256": "..."},
                            "NAME:3": {"CodeSha256": "..."},
                            "GONE": null},
              "aliases": {"FUNCTION/ALIAS": {"FunctionVersion": "3",
                          "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.01}}},
                          "FUNCTION/GONE": null}}}
                                            fields of GetFunction's Configuration
                                            (of NAME:QUALIFIER, or NAME for
                                            $LATEST and no qualifier) and of
                                            GetAlias's answer (FunctionVersion,
                                            RoutingConfig, Name, AliasArn,
                                            RevisionId, Description); a field set
                                            to null is removed from moto's answer

Every detection id is new (a UUID). A status request for an id the proxy
never gave is answered 400 ValidationError; so is an unknown NextToken
(the proxy's wording, not AWS's).

GET /proxy-stats answers JSON counters: requests, forwards and scripted
answers per operation (Query action, or Lambda/S3 operation name as
svcproxy names them), never reset. Only loopback addresses are used.
Python 3 standard library only (and cfnproxy.py, svcproxy.py beside it)."""

import argparse
import json
import re
import sys
import threading
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from xml.sax.saxutils import escape

import cfnproxy     # forwarding, answering, XML helpers
import svcproxy     # naming requests (Query action, Lambda operation)

NS = cfnproxy.NAMESPACES["cloudformation"]
ACCOUNT = "123456789012"            # moto's
SCRIPTED = ("DetectStackDrift", "DescribeStackDriftDetectionStatus",
            "DescribeStackResourceDrifts")
DRIFTED = ("MODIFIED", "DELETED")
# StackResourceDrift's elements, in the API's order (StackId first)
DRIFT_ELEMENTS = ("LogicalResourceId", "PhysicalResourceId", "ResourceType",
                  "ExpectedProperties", "ActualProperties")
DIFF_ELEMENTS = ("PropertyPath", "ExpectedValue", "ActualValue", "DifferenceType")


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def region_of(headers):
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "us-east-1"


def stack_id(region, stack):
    return "arn:aws:cloudformation:%s:%s:stack/%s/%s" % (
        region, ACCOUNT, stack, uuid.uuid5(uuid.NAMESPACE_URL, "driftproxy/" + stack))


def add(parent, name, text):
    e = ET.SubElement(parent, name)
    e.text = text if isinstance(text, str) else json.dumps(text)
    return e


def query_ok(action, fill):
    """<ActionResponse xmlns=...><ActionResult/> filled by fill(result),
    then <ResponseMetadata>."""
    root = ET.Element(action + "Response", xmlns=NS)
    fill(ET.SubElement(root, action + "Result"))
    add(ET.SubElement(root, "ResponseMetadata"), "RequestId", str(uuid.uuid4()))
    body = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return 200, [("Content-Type", "text/xml")], body.encode()


def query_error(status, code, message):
    typ = "Receiver" if status >= 500 else "Sender"
    return status, [("Content-Type", "text/xml")], cfnproxy.error_xml(
        "cloudformation", escape(code), typ, escape(message), str(uuid.uuid4()))


def lambda_target(rq):
    """(function name, qualifier or None) of a GetFunction or GetAlias."""
    m = svcproxy.LAMBDA.match(rq.path)
    parts = urllib.parse.unquote(m.group(1) if m else "").split(":")
    i = parts.index("function") + 1 if "function" in parts else 0
    name = parts[i] if i < len(parts) else ""
    qual = parts[i + 1] if i + 1 < len(parts) else None
    return name, rq.params.get("Qualifier") or qual


def overlay(doc, fields):
    """doc with fields put over it (a null field removed)."""
    for k, v in fields.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


class Proxy:
    def __init__(self, scenario):
        self.opts = argparse.Namespace(keep_alive=False)   # cfnproxy's answer() reads it
        self.lock = threading.Lock()
        self.scenario = scenario
        self.detections = {}        # id -> {"stack", "region", "polls"}
        self.tokens = {}            # NextToken -> (action, stack, offset)
        self.stats = {"requests": {}, "forwarded": {}, "scripted": {}}

    def bump(self, kind, op):
        self.stats[kind][op] = self.stats[kind].get(op, 0) + 1

    # ---- paging

    def page(self, action, stack, items, size, token):
        """(items of this page, next token or None), or None for a token
        the proxy never gave."""
        if token:
            got = self.tokens.get(token)
            if not got or got[:2] != (action, stack):
                return None
            start = got[2]
        else:
            start = 0
        end = start + size
        sc = self.scenario
        if sc.get("endless_token"):
            nxt, at = "endless-%s" % uuid.uuid4(), start
        elif end >= len(items):
            return items[start:end], None
        elif sc.get("loop_token"):
            nxt, at = "loop-%s-%s" % (action, stack), size
        else:
            nxt, at = "page-%s" % uuid.uuid4(), end
        self.tokens[nxt] = (action, stack, at)
        return items[start:end], nxt

    # ---- the scripted Query actions

    def detect_settings(self, stack):
        d = dict(self.scenario.get("detect") or {})
        d.update((d.pop("stacks", None) or {}).get(stack) or {})
        return d

    def drifts_of(self, stack):
        return (self.scenario.get("drifts") or {}).get(stack) or []

    def query(self, rq, form):
        raw = (self.scenario.get("raw") or {}).get(rq.op)
        if raw is not None:
            return 200, [("Content-Type", "text/xml")], raw.encode()
        region = region_of(rq.headers)
        if rq.op == "DetectStackDrift":
            return self.detect(form, region)
        if rq.op == "DescribeStackDriftDetectionStatus":
            return self.status(form)
        return self.resource_drifts(form, region)

    def detect(self, form, region):
        stack = cfnproxy.stack_name_of(form.get("StackName", ""))
        err = self.detect_settings(stack).get("error")
        if err:
            return query_error(int(err.get("status", 400)), err.get("code", "ValidationError"),
                               err.get("message", ""))
        if not stack:
            return query_error(400, "ValidationError", "1 validation error detected: Value "
                               "null at 'stackName' failed to satisfy constraint: Member "
                               "must not be null")
        did = str(uuid.uuid4())
        self.detections[did] = {"stack": stack, "region": region, "polls": 0}
        return query_ok("DetectStackDrift", lambda r: add(r, "StackDriftDetectionId", did))

    def status(self, form):
        did = form.get("StackDriftDetectionId", "")
        det = self.detections.get(did)
        if det is None:
            return query_error(400, "ValidationError",
                               "Drift detection %s does not exist (driftproxy)" % did)
        det["polls"] += 1
        stack = det["stack"]
        s = self.detect_settings(stack)
        drifted = sum(d.get("StackResourceDriftStatus") in DRIFTED for d in self.drifts_of(stack))
        pending = det["polls"] <= int(s.get("pending") or 0)

        def fill(r):
            add(r, "StackId", stack_id(det["region"], stack))
            add(r, "StackDriftDetectionId", did)
            if pending:
                add(r, "DetectionStatus", "DETECTION_IN_PROGRESS")
            else:
                drift = s.get("stack_drift_status", "DRIFTED" if drifted else "IN_SYNC")
                if drift is not None:
                    add(r, "StackDriftStatus", drift)
                add(r, "DetectionStatus", s.get("status") or "DETECTION_COMPLETE")
                if s.get("reason"):
                    add(r, "DetectionStatusReason", s["reason"])
                count = s.get("drifted_count", drifted)
                if count is not None:
                    add(r, "DriftedStackResourceCount", str(count))
            add(r, "Timestamp", now())
        return query_ok("DescribeStackDriftDetectionStatus", fill)

    def resource_drifts(self, form, region):
        action = "DescribeStackResourceDrifts"
        stack = cfnproxy.stack_name_of(form.get("StackName", ""))
        wanted = {v for k, v in form.items()
                  if k.startswith("StackResourceDriftStatusFilters.member.")}
        items = [d for d in self.drifts_of(stack)
                 if not wanted or d.get("StackResourceDriftStatus") in wanted]
        size = int(self.scenario.get("page_size") or 100)
        if form.get("MaxResults", "").isdigit():
            size = min(size, max(1, int(form["MaxResults"])))
        got = self.page(action, stack, items, size, form.get("NextToken"))
        if got is None:
            return query_error(400, "ValidationError", "Invalid NextToken (driftproxy)")

        def fill(r):
            box = ET.SubElement(r, "StackResourceDrifts")
            for d in got[0]:
                self.drift_member(ET.SubElement(box, "member"), d, region, stack)
            if got[1]:
                add(r, "NextToken", got[1])
        return query_ok(action, fill)

    def drift_member(self, m, d, region, stack):
        add(m, "StackId", d.get("StackId") or stack_id(region, stack))
        for name in DRIFT_ELEMENTS:
            if name in d:
                add(m, name, d[name])
        if "PropertyDifferences" in d:
            box = ET.SubElement(m, "PropertyDifferences")
            for p in d["PropertyDifferences"] or []:
                pm = ET.SubElement(box, "member")
                for name in DIFF_ELEMENTS:
                    if name in p:
                        add(pm, name, p[name])
        if "StackResourceDriftStatus" in d:
            add(m, "StackResourceDriftStatus", d["StackResourceDriftStatus"])
        add(m, "Timestamp", d.get("Timestamp") or now())
        if "DriftStatusReason" in d:
            add(m, "DriftStatusReason", d["DriftStatusReason"])

    # ---- ListStackResources, paged

    def repage_resources(self, form, body):
        """moto's whole answer cut to one page; None for an unknown token."""
        root = cfnproxy.parse_xml(body)
        result = cfnproxy.find(root, "ListStackResourcesResult")
        box = cfnproxy.find(result, "StackResourceSummaries")
        if box is None:
            return body
        members = list(box)
        stack = cfnproxy.stack_name_of(form.get("StackName", ""))
        got = self.page("ListStackResources", stack, members,
                        int(self.scenario["list_page_size"]), form.get("NextToken"))
        if got is None:
            return None
        for m in members:
            box.remove(m)
        box.extend(got[0])
        cfnproxy.set_child(result, "NextToken", got[1])
        return cfnproxy.serialize(root)

    def patch_status(self, body):
        """DescribeStacks with the scenario's "stack_status" put over moto's
        (moto never shows a stack mid-operation)."""
        root = cfnproxy.parse_xml(body)
        for m in root.iter():
            name = cfnproxy.find(m, "StackName")
            if (name is not None and cfnproxy.find(m, "StackStatus") is not None and
                    name.text in self.scenario["stack_status"]):
                cfnproxy.set_child(m, "StackStatus", self.scenario["stack_status"][name.text])
        return cfnproxy.serialize(root)

    def patch_resources(self, form, body):
        """moto's ListStackResources with the scenario's "resources" of the
        stack put over it: each named member's fields set (a member moto
        lacks is added), and the member moto lists for a resource it
        skipped (no LogicalResourceId) dropped."""
        stack = cfnproxy.stack_name_of(form.get("StackName", ""))
        fix = self.scenario.get("resources", {}).get(stack)
        if not fix:
            return body
        root = cfnproxy.parse_xml(body)
        box = cfnproxy.find(cfnproxy.find(root, "ListStackResourcesResult"), "StackResourceSummaries")
        if box is None:
            return body
        seen = set()
        for m in list(box):
            lid_el = cfnproxy.find(m, "LogicalResourceId")
            lid = lid_el.text if lid_el is not None else None
            if not lid:
                box.remove(m)
                continue
            seen.add(lid)
            for k, v in fix.get(lid, {}).items():
                cfnproxy.set_child(m, k, v)
        for lid, fields in fix.items():
            if lid not in seen:
                m = ET.SubElement(box, box[0].tag if len(box) else "member")
                cfnproxy.set_child(m, "LogicalResourceId", lid)
                for k, v in fields.items():
                    cfnproxy.set_child(m, k, v)
        return cfnproxy.serialize(root)

    # ---- Lambda

    def lambda_entry(self, table, keys):
        """(True, the scenario's entry) for the first of keys it has, else
        (False, None)."""
        entries = (self.scenario.get("lambda") or {}).get(table) or {}
        for k in keys:
            if k in entries:
                return True, entries[k]
        return False, None

    def lambda_target(self, rq):
        """(entry found, entry, not-found answer, made-up answer) of a
        GetFunction or GetAlias."""
        region = region_of(rq.headers)
        name, qual = lambda_target(rq)
        arn = "arn:aws:lambda:%s:%s:function:%s" % (region, ACCOUNT, name)
        if rq.op == "GetAlias":
            found, entry = self.lambda_entry("aliases", ["%s/%s" % (name, rq.alias)])
            gone = svcproxy.json_error(404, "ResourceNotFoundException",
                                       "Cannot find alias arn: %s:%s" % (arn, rq.alias))
            made = {"AliasArn": "%s:%s" % (arn, rq.alias), "Name": rq.alias,
                    "FunctionVersion": "$LATEST", "Description": "",
                    "RevisionId": str(uuid.uuid5(uuid.NAMESPACE_URL, arn + "/" + rq.alias))}
            return found, entry, gone, made
        keys = ["%s:%s" % (name, qual)] if qual else [name]
        if qual == "$LATEST":
            keys.append(name)
        found, entry = self.lambda_entry("functions", keys)
        gone = svcproxy.json_error(404, "ResourceNotFoundException", "Function not found: %s"
                                   % (arn + (":" + qual if qual else "")))
        made = {"Configuration": {
            "FunctionName": name, "FunctionArn": arn + (":" + qual if qual else ""),
            "Version": qual or "$LATEST", "State": "Active", "LastUpdateStatus": "Successful",
            "RevisionId": str(uuid.uuid5(uuid.NAMESPACE_URL, arn + ":" + (qual or "")))},
            "Code": {"RepositoryType": "S3"}}
        return found, entry, gone, made

    def lambda_answer(self, rq, status, headers, body, found, entry, made):
        """moto's answer with the scenario's fields over it, or made up."""
        if status // 100 == 2:
            if not found:
                return status, headers, body
            try:
                doc = json.loads(body)
            except ValueError:
                return status, headers, body
        elif found:
            doc, status = made, 200
            headers = [("Content-Type", "application/json"),
                       ("x-amzn-RequestId", str(uuid.uuid4()))]
        else:
            return status, headers, body
        if rq.op == "GetFunction":
            overlay(doc.setdefault("Configuration", {}), entry or {})
        else:
            overlay(doc, entry or {})
        return status, headers, json.dumps(doc).encode()


class Handler(svcproxy.Handler):
    """forward(), reset() and answer() are cfnproxy's: the request goes to
    moto as received; GET /proxy-stats is svcproxy's."""

    def do_GET(self):
        if self.path != "/proxy-scenario":
            svcproxy.Handler.do_GET(self)
            return
        with self.proxy.lock:
            body = json.dumps(self.proxy.scenario, indent=1, sort_keys=True).encode()
        self.answer(200, [("Content-Type", "application/json")], body)

    def set_scenario(self, body):
        try:
            doc = json.loads(body or b"{}")
        except ValueError as exc:
            doc, why = None, str(exc)
        else:
            why = "the scenario is a JSON object"
        if not isinstance(doc, dict):
            self.answer(400, [("Content-Type", "text/plain")],
                        ("driftproxy: %s\n" % why).encode())
            return
        with self.proxy.lock:
            self.proxy.scenario = doc
        self.answer(200, [("Content-Type", "application/json")], b'{"ok": true}')

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "POST" and self.path == "/proxy-scenario":
            self.set_scenario(body)
            return
        rq = svcproxy.Request(self.command, self.path, self.headers, body)
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                           keep_blank_values=True))
        p = self.proxy
        with p.lock:
            p.bump("requests", rq.op)
            fail = (p.scenario.get("fail") or {}).get(rq.op)
            if fail and fail.get("stack") and \
                    cfnproxy.stack_name_of(form.get("StackName", "")) != fail["stack"]:
                fail = None
            if fail:
                p.bump("scripted", rq.op)
                if rq.service == "lambda":
                    canned = svcproxy.json_error(fail.get("status", 403), fail["code"],
                                                 fail.get("message", "denied"))
                else:
                    canned = query_error(fail.get("status", 403), fail["code"],
                                         fail.get("message", "denied"))
            elif rq.service == "cloudformation" and rq.op in SCRIPTED:
                p.bump("scripted", rq.op)
                canned = p.query(rq, form)
            elif rq.service == "lambda" and rq.op in ("GetFunction", "GetAlias"):
                found, entry, gone, made = p.lambda_target(rq)
                canned = gone if found and entry is None else None
                if canned:
                    p.bump("scripted", rq.op)
            else:
                canned = None
        if canned:
            self.answer(*canned)
            return
        got = self.relay(body, "driftproxy")
        if not got:
            return
        status, reason, headers, rbody = got
        with p.lock:
            p.bump("forwarded", rq.op)
            if rq.service == "lambda" and rq.op in ("GetFunction", "GetAlias"):
                status, headers, rbody = p.lambda_answer(rq, status, headers, rbody,
                                                         found, entry, made)
            elif rq.op == "DescribeStacks" and status == 200 and p.scenario.get("stack_status"):
                rbody = p.patch_status(rbody)
            elif rq.op == "ListStackResources" and status == 200:
                rbody = p.patch_resources(form, rbody)
                if p.scenario.get("list_page_size"):
                    rbody = p.repage_resources(form, rbody)
                if rbody is None:
                    status, _, headers, rbody = query_error(400, "ValidationError",
                                                            "Invalid NextToken (driftproxy)")
        self.answer(status, headers, rbody, reason)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main(argv=None):
    ap = argparse.ArgumentParser(prog="driftproxy.py", description="Scripted endpoint in "
                                 "front of moto_server for drift detection and Lambda code "
                                 "hashes (see the module text).")
    ap.add_argument("--upstream", required=True, help="moto_server URL, http://127.0.0.1:PORT")
    ap.add_argument("--port", type=int, default=0, help="0: pick one, print PORT=<n>")
    ap.add_argument("--scenario", metavar="FILE", help="the scenario (JSON); none: {}")
    opts = ap.parse_args(argv)
    scenario = {}
    if opts.scenario:
        try:
            with open(opts.scenario) as f:
                scenario = json.load(f)
        except (OSError, ValueError) as exc:
            ap.error("--scenario: %s" % exc)
        if not isinstance(scenario, dict):
            ap.error("--scenario: the scenario is a JSON object")
    svcproxy.serve(ap, Handler, Proxy(scenario), opts.upstream, opts.port)


if __name__ == "__main__":
    sys.exit(main())
