"""Cases 120 on (issue 16): mistakes operators make with editors, copy-paste and hand edits; cross-file mistakes,
hand-edited generated files, limits, identity edge cases and the host, URL and path forms."""
import json

from corpus import *  # noqa: F401,F403  (the example files P, D, ..., base and the helpers rep, one, case, at, end)

# --- YAML the way editors and copy-paste produce it (HP1001, HP1002, HP1003, HP1008, HP1017) ---
t = rep(D, "organisation: acme", "organisation: !!python/object:os.system acme")
one("yaml-python-tag-on-scalar", "a !!python/object tag on a value (an unsafe-loader payload)", D, t, "HP1008", "!!python")
t = rep(S, "    app:\n      build:", "    app: !!python/object/new:subprocess.Popen\n      build:")
one("yaml-python-tag-on-mapping", "a !!python/object/new tag on a mapping", S, t, "HP1008", "!!python")
t = rep(S, "secrets: [DATABASE_URL, STRIPE_KEY]", "secrets: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162636465")
one("yaml-ansible-vault-tag", "secrets pasted from Ansible as a !vault block", S, t, "HP1008", "!vault")
t = rep(NA, "port: 22", 'port: !!int "22"')
one("yaml-int-tag", "a !!int tag to make a quoted number a number", NA, t, "HP1008", "!!int")
t = rep(D, "  staging:", "  *main:")
one("yaml-alias-as-key", "an alias used as a mapping key", D, t, "HP1008", "*main")
t = rep(D, "  main:\n", "  main: &main\n").replace(
    "  staging:\n    type: testing\n    virtualHosts:\n      staging.demo.hosting.test: { enableLetsEncrypt: false }\n"
    "    app: { run: \"./server\", healthCheck: { path: /health } }\n", "  staging: *main\n")
one("yaml-anchor-copies-production", "staging copied from main with an anchor and alias: two production environments", D, t, "HP2005", "*main")
t = "\ufeff" + rep(NA, "address:", "adress:")
case("yaml-bom-then-misspelt-key", "a UTF-8 byte order mark before a misspelt first key (the column must not count it)",
     {NA: t.encode()}, [f"HP1003 {NA}:1:1", f"HP1005 {NA}:1:1"])
t = (base[NA] + "port: 2222\n").replace("\n", "\r\n")
case("yaml-crlf-duplicate-key", "Windows line ends and a repeated key (CR must not count as a line or column)",
     {NA: t.encode()}, [f"HP1002 {NA}:6:1"])
t = rep(D, "organisation: acme", "organisation: acme # Soci\xe9t\xe9 Acme").encode("latin-1")
case("yaml-latin1-comment", "a comment saved as Latin-1 (not UTF-8)", {D: t}, [f"HP1017 {at(D, t, 'Soci', offset=4)}"])
t = rep(NB, "user: deploy", "user: d\xe9ploy").encode("cp1252")
case("yaml-cp1252-value", "a value saved as Windows-1252 (not UTF-8)", {NB: t}, [f"HP1017 {at(NB, t, 'user: d', offset=7)}"])
t = rep(NA, "user: deploy", "user: dep\0loy").encode()
case("yaml-nul-byte", "a NUL byte in a value", {NA: t}, [f"HP1001 {at(NA, t, 'dep', offset=3)}"])
t = rep(S, 'run: "./server --port $HOSTENV_LISTEN"', 'run: "./server\x07 --port $HOSTENV_LISTEN"').encode()
case("yaml-raw-control-character", "a raw BEL character inside a quoted command", {S: t}, [f"HP1001 {at(S, t, './server', offset=8)}"])
t = rep(NB, "port: 22", "\u00a0port: 22")
one("yaml-no-break-space-indent", "a key indented with a no-break space (pasted from a web page)", NB, t, "HP1003", "\u00a0port")
t = rep(P, "deployUser:", "deployUser\u200b:")
one("yaml-zero-width-space-in-key", "a zero-width space pasted into a key", P, t, "HP1003", "deployUser")
t = rep(D, "      - { path: /health", "\t- { path: /health")
one("yaml-tab-indents-list-item", "a list item indented with a tab", D, t, "HP1001", "\t- {")
t = rep(D, "      demo.hosting.test: {}", "      " + "a" * 1100 + ": {}")
one("yaml-key-over-1024-characters", "a 1,100-character key (YAML limits implicit keys to 1,024)", D, t, "HP1001", "a" * 1100 + ":", offset=1100)
one("yaml-document-is-a-scalar", "node.yaml holding only the address", NA, "10.77.0.11\n", "HP1004", "10.77")
case("yaml-document-is-null", "provider.yaml holding only '~'", {P: "~\n"}, [f"HP1005 {P}:1:1"])
t = base[NA] + "...\nport: 2222\n"
one("yaml-content-after-document-end", "keys after a '...' document end marker", NA, t, "HP1008", "port: 2222")
t = rep(D, "      staging.demo.hosting.test: { enableLetsEncrypt: false }", "      staging.demo.hosting.test: { enableLetsEncrypt: false, enableLetsEncrypt: true }")
one("yaml-duplicate-key-in-vhost", "a vhost option given twice in one flow mapping", D, t, "HP1002", "enableLetsEncrypt", nth=1)
t = rep(S, "            root: /srv/assets", "            root: /srv/assets\n            root: /srv/static")
one("yaml-duplicate-key-in-location", "a location option given twice, five levels deep", S, t, "HP1002", "root", nth=1)
t = rep(P, "  globex__blog: { path: examples/blog }", "  globex__blog: { path: examples/blog }\n  acme__demo: { path: examples/demo }")
one("yaml-duplicate-project", "a project listed twice in provider.yaml", P, t, "HP1002", "acme__demo", nth=1)
t = rep(P, "nodeFor: { default: node-a,", "nodeFor: { default: node-a, default: node-b,")
one("yaml-duplicate-key-in-flow-mapping", "nodeFor.default given twice on one line", P, t, "HP1002", "default", nth=1)
t = rep(D, "  staging:", '  "main":')
one("yaml-duplicate-key-quoted", "an environment repeated once plain and once quoted", D, t, "HP1002", '"main"')
t = rep(S, "csp: \"default-src 'self'\"", "csp: default-src 'self'; report-uri: /csp")
one("yaml-colon-space-in-plain-value", "an unquoted value containing ': '", S, t, "HP1001", ": /csp")
t = rep(D, "globalRedirect: demo.hosting.test", "globalRedirect: *.demo.hosting.test")
one("yaml-unquoted-leading-star", "an unquoted value starting with '*' (read as an alias)", D, t, "HP1008", "*.demo")
t = rep(P, "adminEmail: ops@hosting.test", "adminEmail: @ops")
one("yaml-unquoted-leading-at", "an unquoted value starting with '@'", P, t, "HP1001", "@ops")
t = rep(S, 'run: "./server --port $HOSTENV_LISTEN"', "run: `./server`")
one("yaml-unquoted-leading-backtick", "an unquoted value starting with a backtick", S, t, "HP1001", "`")
t = rep(D, "  staging:", "  [staging, qa]:")
one("yaml-flow-list-as-key", "a flow list used as a key", D, t, "HP1008", "[staging")
t = rep(P, "deployUser: deploy", "deployUser: |\n  deploy")
one("yaml-literal-block-keeps-newline", "deployUser as a '|' block, which keeps a final line break", P, t, "HP1006", "|")
t = rep(NA, "port: 22", "port:22")
one("yaml-no-space-after-colon", "'port:22' without a space after the colon", NA, t, "HP1001", "port:22")
t = M + "  main: {type: production}\n  staging: {type: testing\n  review: {}\n"
one("yaml-file-cut-short", "a manifest whose flow mapping was cut off by a bad merge", D, t, "HP1001", "{type: testing")

# --- types: numbers, booleans spelled yes/on, lists and mappings mixed up, null where a mapping belongs (HP1004) ---
t = rep(P, "acceptTerms: true", "acceptTerms: yes")
one("type-accept-terms-yes", "acceptTerms: yes (YAML 1.2 reads it as text)", P, t, "HP1004", "yes")
t = rep(NB, "magicRollback: true", "magicRollback: on")
one("type-magic-rollback-on", "magicRollback: on", NB, t, "HP1004", "on")
t = rep(D, "staging.demo.hosting.test: { enableLetsEncrypt: false }", "staging.demo.hosting.test: { enableLetsEncrypt: off }")
one("type-letsencrypt-off", "enableLetsEncrypt: off", D, t, "HP1004", "off")
t = rep(D, "    enable: true", "    enable: 1")
one("type-enable-one", "enable: 1", D, t, "HP1004", "enable: 1", offset=8)
t = rep(D, 'expectStatus: "200"', "expectStatus: 200")
one("type-expect-status-unquoted", "deploymentVerification expectStatus written as a number", D, t, "HP1004", "200")
t = rep(S, "memoryMax: 2G", "memoryMax: 2048")
one("type-memory-max-number", "memoryMax as a bare number", S, t, "HP1004", "2048")
t = rep(P, "deployUser: deploy", "deployUser: 1000")
one("type-deploy-user-uid", "deployUser given as a UID", P, t, "HP1004", "1000")
t = rep(P, "acme__demo: { path: examples/demo }", 'acme__demo: { git: "https://git.example/acme/demo.git", ref: 2024.10 }')
one("type-ref-read-as-number", "a release tag 2024.10 unquoted (read as the number 2024.1)", P, t, "HP1004", "2024.10")
t = rep(NA, "addresses: [10.77.0.11]", "addresses: { v4: 10.77.0.11 }")
one("type-addresses-mapping", "addresses as a mapping", NA, t, "HP1004", "{ v4")
t = rep(P, "nodeFor: { default: node-a, production: node-a, testing: node-b, development: node-b }", "nodeFor: [node-a, node-b]")
one("type-nodefor-list", "nodeFor as a list of nodes", P, t, "HP1004", "[node-a")
t = rep(D, "      www.demo.hosting.test:\n        globalRedirect: demo.hosting.test", "      www.demo.hosting.test:\n        serverAliases: www2.demo.hosting.test")
one("type-server-aliases-text", "serverAliases as one text", D, t, "HP1004", "www2")
t = rep(S, '      build: ["./build.sh"]', "      build: { command: ./build.sh }")
one("type-build-mapping", "app.build as a mapping", S, t, "HP1004", "{ command")
t = rep(D, "  users:\n    alice:", "  users:\n    - alice:")
one("type-users-list", "users written as a list", D, t, "HP1004", "- alice")
t = rep(P, "letsEncrypt: { adminEmail: ops@hosting.test, acceptTerms: true }", "letsEncrypt:")
one("null-letsencrypt", "letsEncrypt: with nothing under it", P, t, "HP1004", "letsEncrypt:", offset=12)
t = rep(P, "  acme__demo: { path: examples/demo }          # dir defaults to .hostenv", "  acme__demo:")
one("null-project-source", "a project with no source under it", P, t, "HP1004", "acme__demo:", offset=11)
t = rep(D, "  staging:\n    type: testing\n    virtualHosts:\n      staging.demo.hosting.test: { enableLetsEncrypt: false }\n    app: { run: \"./server\", healthCheck: { path: /health } }\n", "  staging:\n")
one("null-environment", "an environment with nothing under it", D, t, "HP1004", "staging:", offset=8)
t = rep(P, "production: node-a", "production: ~")
one("null-nodefor-entry", "nodeFor.production: ~", P, t, "HP1004", "~")

# --- cross-file mistakes (HP1010, HP2001-HP2005, HP2009) ---
t = rep(P, "testing: node-b", "testing: node-c")
case("cross-nodefor-node-without-node-yaml", "nodeFor names nodes/node-c/, which has no node.yaml yet",
     {P: t, "nodes/node-c/README": "node-c: waiting for hardware\n"}, [f"HP2001 {at(P, t, 'node-c')}"])
t = rep(B, "    node: node-b", "    node: node-c")
case("cross-environment-moved-to-node-without-node-yaml", "an environment moved to a node whose directory has no node.yaml",
     {B: t, "nodes/node-c/ssh_host_ed25519_key.pub": base[NA].split('"')[1] + "\n"}, [f"HP2001 {at(B, t, 'node-c')}"])
case("cross-node-yaml-misnamed", "nodes/node-a/node.yml instead of node.yaml", {"nodes/node-a/node.yml": base[NA]},
     [f"HP2001 {at(P, base[P], 'node-a')}", f"HP2001 {at(P, base[P], 'node-a', 1)}"], deletes=[NA])
t = rep(NB, "port: 22", "port: twenty-two")
case("cross-broken-node-reported-once", "node-b's node.yaml is broken: only that error, none for the environments on node-b",
     {NB: t}, [f"HP1004 {at(NB, t, 'twenty-two')}"])
t = rep(B, "      preview.blog.hosting.test: {}", "      demo-main-3a65ba5.hosting.test: {}")
one("cross-vhost-is-anothers-canonical-name", "a vhost that is another environment's canonical <userName>.<hostenvHostname>", B, t, "HP2004", "demo-main")
t = rep(B, "      preview.blog.hosting.test: {}", "      legacy.shop.hosting.test: {}")
one("cross-vhost-held-by-disabled-environment", "a vhost still declared by another project's disabled environment", B, t, "HP2004", "legacy.shop")
t = rep(D, "  staging:", "  stage:")
one("cross-renamed-environment", "an environment renamed: its old reservation still holds its vhost", D, t, "HP2003", "staging.demo.hosting.test")
t = rep(D, "      demo.hosting.test: {}", "      demo.hosting.test: { serverAliases: [www.demo.hosting.test] }")
one("cross-alias-repeats-own-vhost", "a serverAlias repeating another vhost of the same environment", D, t, "HP2004", "www.demo.hosting.test", nth=1)
t = rep(S, "  legacy:\n    enable: false\n    type: testing", "  legacy:\n    enable: true\n    type: production")
one("cross-old-production-re-enabled", "an old environment re-enabled as production beside main", S, t, "HP2005", "production", nth=1)
t = rep(P, "  acme__shop:", "  acme__d-emo: { path: examples/demo }\n  acme__shop:")
case("cross-project-listed-under-two-spellings", "one project listed as acme__demo and acme__d-emo: the same identities",
     {P: t}, [f"HP2009 {at(D, base[D], 'main:')}", f"HP2009 {at(D, base[D], 'staging:')}"])
t = rep(P, "acme__shop: { path: examples/shop, dir: .hostenv }", "acme__shop: { path: examples/demo, dir: .hostenv }")
case("cross-project-path-copied", "acme__shop's path copied from acme__demo", {P: t}, [f"HP1010 {at(D, base[D], 'demo')}"])

# --- generated/state.json edited by hand or by a merge (HP2007, HP2008): every error at its line and column ---
t = state(lambda st: st.update({"_uidHighWaterMark": "lots"}))
one("state-high-water-mark-text", "_uidHighWaterMark overwritten with text (dropping it would let UIDs be reused)", ST, t, "HP2007", '"lots"')
t = state(lambda st: st.update({"_uidHighWaterMark": 1e30}))
one("state-high-water-mark-huge", "_uidHighWaterMark past any UID", ST, t, "HP2007", "1e+30")
t = state(lambda st: st[entries(st)[0]].update({"node": 2}))
one("state-node-number", "a reservation whose node is a number", ST, t, "HP2007", '"node": 2', offset=8)
t = state(lambda st: st[entries(st)[0]].update({"previousNode": "../node-a"}))
one("state-previous-node-path", "previousNode written as a path", ST, t, "HP2007", '"../node-a"')
t = state(lambda st: st[entries(st)[0]].update({"userName": 1007}))
one("state-user-name-number", "userName replaced by the UID", ST, t, "HP2007", '"userName": 1007', offset=12)
t = state(lambda st: st.update({"old; rm -rf ~": {"uid": 1500, "node": "node-a", "virtualHosts": []}}))
one("state-key-shell-text", "a reservation key that is not a user name (it would reach `state prune`)", ST, t, "HP2007", '"old;')
t = state(lambda st: st[entries(st)[0]].update({"uid": 0}))
one("state-uid-zero", "UID 0 (root)", ST, t, "HP2007", '"uid": 0', offset=7)
t = state(lambda st: st[entries(st)[0]].update({"uid": 70000}))
one("state-uid-above-range", "a UID above 65533", ST, t, "HP2007", "70000")
t = state(lambda st: st[entries(st)[0]].update({"uid": 1007.5}))
one("state-uid-fraction", "a fractional UID", ST, t, "HP2007", "1007.5")
t = base[ST].replace('    "uid": 1007,\n', '    "uid": 1007,\n    "uid": 1009,\n', 1)
one("state-uid-twice-in-entry", "one reservation naming uid twice", ST, t, "HP2007", '"uid": 1009')
t = state(lambda st: st[entries(st)[0]].update({"virtualHosts": ["preview.blog.hosting.test", 7]}))
one("state-vhost-number", "a number among a reservation's virtualHosts", ST, t, "HP2007", "      7\n", offset=6)
t = state(lambda st: st[entries(st)[0]].update({"virtualHosts": ["preview blog"]}))
one("state-vhost-not-a-name", "a reservation's vhost with a space", ST, t, "HP2007", '"preview blog"')
t = state(lambda st: st.update({entries(st)[0]: [1007, "node-b"]}))
one("state-entry-list", "a reservation written as a list", ST, t, "HP2007", "[\n", nth=0)
lines = base[ST].split("\n")
t = "\n".join(lines[:3] + ["<<<<<<< HEAD"] + lines[3:12] + ["=======", ">>>>>>> feature"] + lines[12:])
one("state-merge-conflict-markers", "state.json committed with merge conflict markers", ST, t, "HP2007", "<<<<<<<")
t = base[ST].replace('"blog.hosting.test"\n    ]', '"blog.hosting.test",\n    ]', 1)
one("state-trailing-comma", "a trailing comma after the last vhost", ST, t, "HP2007", '"blog.hosting.test",\n', offset=len('"blog.hosting.test",\n') + 4)
t = base[ST].replace("{\n", "{\n  // moved demo to node-b on 2026-12-01\n", 1)
one("state-comment", "a // comment in state.json", ST, t, "HP2007", "//")

# --- provider.lock edited by hand (HP1011); a broken lock also leaves its git project unpinned (HP1007) ---
GIT = "file:///nonexistent/hostenv-provider-test.git"
git_p = base[P] + f'  acme__remote: {{ git: "{GIT}", ref: main }}\n'
UNPINNED = f"HP1007 {at(P, git_p, quoted(GIT))}"
ENTRY = {"git": GIT, "ref": "main", "dir": ".hostenv", "rev": "a" * 40, "manifestSha256": "0" * 64}


def lock(projects, fmt=1):
    return json.dumps({"lockFormat": fmt, "projects": projects}, indent=2) + "\n"


t = lock({"acme__remote": ENTRY}, fmt=2)
case("lock-format-newer", "a provider.lock written by a newer version (lockFormat 2)", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, '2,')}", UNPINNED])
t = lock({"acme__remote": ENTRY}).replace('  "projects": {\n', '  "projects": {\n    "acme__remote": ' + json.dumps(ENTRY) + ",\n", 1)
case("lock-entry-twice", "a lock entry repeated by a merge", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, quoted('acme__remote'), 1)}", UNPINNED])
t = lock({"acme__remote": "a" * 40})
case("lock-entry-is-a-commit", "a lock entry that is only the commit id", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, quoted('a' * 40))}", UNPINNED])
t = lock({"acme__remote": dict(ENTRY, rev="A" * 40)})
case("lock-rev-upper-case", "a rev pasted in upper case", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, quoted('A' * 40))}", UNPINNED])
t = lock({"acme__remote": dict(ENTRY, manifestSha256="0" * 63)})
case("lock-manifest-hash-short", "a manifestSha256 one digit short", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, quoted('0' * 63))}", UNPINNED])
t = lock({"acme__remote": dict(ENTRY, rev=None)})
case("lock-rev-null", "a lock entry whose rev is null", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, 'null')}", UNPINNED])
good = lock({"acme__remote": ENTRY}).split("\n")
t = "\n".join(good[:3] + ["<<<<<<< HEAD"] + good[3:9] + [">>>>>>> main"] + good[9:])
case("lock-merge-conflict-markers", "provider.lock committed with merge conflict markers", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, '<<<<<<<')}", UNPINNED])
t = json.dumps({"lockFormat": 1}) + "\n"
case("lock-without-projects", "a provider.lock without 'projects'", {P: git_p, LK: t}, [f"HP1011 {LK}:1:1", UNPINNED])

# --- generated/plan.json: `plan` keeps the DNS gate's verdicts from it, so a verdict it cannot read is an error (HP2013) ---
def gated(edit):
    plan = json.loads(base[PL])
    vhost = plan["nodes"]["node-a"]["services"]["nginx"]["virtualHosts"]["demo.hosting.test"]
    vhost["dnsGate"] = {"status": "missing", "expected": "node-a.hosting.test", "observed": [], "reason": "no A, AAAA or CNAME record"}
    edit(vhost["dnsGate"], vhost)
    return json.dumps(plan, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


t = gated(lambda g, v: g.update({"expected": 5}))
one("plan-gate-expected-number", "a DNS gate verdict whose expected host is a number", PL, t, "HP2013", '"expected": 5', offset=12)
t = gated(lambda g, v: g.update({"observed": "A 203.0.113.9"}))
one("plan-gate-observed-text", "a DNS gate verdict whose observed answers are one text", PL, t, "HP2013", '"A 203.0.113.9"')
t = gated(lambda g, v: g.update({"status": "pending"}))
one("plan-gate-status-unknown", "a DNS gate verdict with a status dns-gate never writes", PL, t, "HP2013", '"pending"')
t = gated(lambda g, v: v.update({"dnsGate": "ok"}))
one("plan-gate-not-an-object", "a DNS gate verdict replaced by the word ok", PL, t, "HP2013", '"dnsGate": "ok"', offset=11)

# --- limits: UIDs, name lengths, big files (HP1009, HP2004, HP2006, HP2014) ---
reviews = "".join(f"  review-{i}:\n    type: development\n" for i in range(1, 5))
t = base[D] + reviews
case("limit-uids-run-out-part-way", "four new environments with two UIDs left: the first two get them, the others are reported",
     {ST: state(lambda st: st.update({"_uidHighWaterMark": 65531})), D: t},
     [f"HP2006 {at(D, t, 'review-3:')}", f"HP2006 {at(D, t, 'review-4:')}"])
many = "".join(f"  env-{i:03d}:\n    type: development\n    virtualHosts:\n      env-{i:03d}.demo.hosting.test: {{}}\n" for i in range(300))
t = M + many.replace("      env-257.demo.hosting.test: {}", "      env-003.demo.hosting.test: {}")
one("limit-300-environments-one-repeat", "300 environments where one repeats another's vhost, 1,200 lines down", D, t, "HP2004", "env-003.demo.hosting.test", nth=1)
t = rep(D, "  staging:", "  " + "s" * 64 + ":")
one("limit-environment-name-64", "an environment name of 64 characters (63 at most)", D, t, "HP1009", "s" * 64)
t = rep(D, "      demo.hosting.test: {}", "      " + "a" * 64 + ".hosting.test: {}")
one("limit-vhost-label-64", "a vhost label of 64 characters (DNS allows 63)", D, t, "HP1009", "a" * 64)
name = ".".join(["a" * 60] * 4) + ".hosting.test"
t = rep(D, "      demo.hosting.test: {}", f"      {name}: {{}}")
one("limit-vhost-over-253", f"a vhost name of {len(name)} characters (DNS allows 253)", D, t, "HP1009", name)
host = ".".join(["h" * 60] * 3) + "." + "k" * 36 + ".hosting.test"
t = rep(P, "hostenvHostname: hosting.test", f"hostenvHostname: {host}")
one("limit-hostenv-hostname-leaves-no-room", f"a {len(host)}-character hostenvHostname: canonical names would pass 253", P, t, "HP2014", host)
t = rep(D, "    alice:", "    " + "a" * 65 + ":")
one("limit-user-id-65", "a user id of 65 characters", D, t, "HP1009", "a" * 65)

# --- identity edge cases (HP1009, HP1010) ---
t = rep(D, "organisation: acme", "organisation: Acmé")
one("identity-organisation-accented", "organisation 'Acmé': identities keep only a-z and 0-9, so it is 'acm'", D, t, "HP1010", "Acmé")
t = rep(D, "organisation: acme", 'organisation: "ACME Corp."')
one("identity-organisation-company-name", "organisation written as the company's name", D, t, "HP1010", '"ACME')
t = rep(D, "  staging:", "  ünicode:")
one("identity-environment-accented", "an environment name with a non-ASCII letter", D, t, "HP1009", "ünicode")
t = rep(D, "  staging:", "  staging/:")
one("identity-environment-trailing-slash", "an environment name ending in '/'", D, t, "HP1009", "staging/")
t = rep(D, "    alice:", "    ålice:")
one("identity-user-accented", "a user id with a non-ASCII letter", D, t, "HP1009", "ålice")
t = rep(P, "  acme__demo:", "  Acme__Demo:")
one("identity-project-key-capitalised", "a project key with capitals", P, t, "HP1009", "Acme__Demo")
t = rep(P, "  acme__demo:", "  acme___demo:")
one("identity-project-key-three-underscores", "a project key with three underscores", P, t, "HP1009", "acme___demo")

# --- the narrow host, URL and path forms (HP1006, HP1007, HP1009) ---
t = rep(D, "      demo.hosting.test: {}", "      10.77.0.11: { enableLetsEncrypt: false }")
one("form-vhost-ip-address", "the node's IP address used as a vhost", D, t, "HP1009", "10.77.0.11")
t = rep(D, "      demo.hosting.test: {}", "      bücher.hosting.test: {}")
one("form-vhost-unicode", "an internationalised vhost not written in punycode", D, t, "HP1009", "bücher")
t = rep(D, "      demo.hosting.test: {}", '      "demo.hosting.test:8443": {}')
one("form-vhost-with-port", "a vhost with a port", D, t, "HP1009", '"demo.hosting.test:8443"')
t = rep(D, "      demo.hosting.test: {}", "      demo.hosting.test: { serverAliases: [10.77.0.11] }")
one("form-alias-ip-address", "a server alias that is an IP address", D, t, "HP1009", "10.77.0.11")
t = rep(D, "globalRedirect: demo.hosting.test", "globalRedirect: WWW.demo.hosting.test.")
one("form-redirect-to-itself", "a vhost redirecting to itself (differing only in case and a final dot): a redirect loop", D, t, "HP1006", "WWW")
t = rep(D, "globalRedirect: demo.hosting.test", 'globalRedirect: "demo.hosting.test/welcome"')
one("form-redirect-with-path", "globalRedirect with a path", D, t, "HP1006", '"demo.hosting.test/welcome"')
t = rep(S, "            root: /srv/assets", '            proxyPass: "http://127.0.0.1:80800"')
one("form-proxypass-port-out-of-range", "proxyPass with port 80800", S, t, "HP1006", '"http://127.0.0.1:80800"')
t = rep(S, "            root: /srv/assets", '            proxyPass: "http://127.0.0.1:8080; return 200"')
one("form-proxypass-with-directive", "proxyPass with '; return 200' after the URL", S, t, "HP1006", '"http://127.0.0.1:8080;')
t = rep(D, "      demo.hosting.test: {}", '      demo.hosting.test:\n        extraConfig: "} server { listen 8081;"')
one("form-extraconfig-escapes-server", "a vhost extraConfig that closes the server block and opens another", D, t, "HP1006", '"} server')
t = rep(S, "            root: /srv/assets", '            root: /srv/assets\n            extraConfig: "if ($http_x_debug) { return 418;"')
one("form-extraconfig-block-left-open", "a location extraConfig that leaves a block open", S, t, "HP1006", '"if ($http')
t = rep(S, "            root: /srv/assets", "            root: /srv/assets\n            extraConfig: \"add_header X-Note 'unclosed;\"")
one("form-extraconfig-quote-left-open", "a location extraConfig that leaves a quote open", S, t, "HP1006", "\"add_header")
t = rep(S, 'run: "./server --port $HOSTENV_LISTEN"', 'run: "./server --port $HOSTENV_LISTEN\\nrm -rf ~"')
one("form-run-two-lines", "a run command with an escaped line break (it is run as `exec COMMAND`)", S, t, "HP1006", '"./server')
t = rep(NA, 'USern"', 'USe"')
one("form-host-key-cut-short", "a host key missing its last characters", NA, t, "HP1006", '"ssh-ed25519')
t = rep(NA, 'hostKey: "ssh-ed25519', 'hostKey: "ssh-rsa')
one("form-host-key-type-mismatch", "a host key labelled ssh-rsa whose data is an ed25519 key", NA, t, "HP1006", '"ssh-rsa')
t = rep(D, 'OP0T7NlriHcTVfKf alice@acme"', 'OP0T7NlriHc alice@acme"')
one("form-user-key-cut-short", "a user's public key cut short when pasted", D, t, "HP1006", '"ssh-ed25519')
t = rep(P, "deployUser: deploy", 'deployUser: deploy\ndeployPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEs5 ci@runner"]')
one("form-deploy-key-cut-short", "a deploy key cut short", P, t, "HP1006", '"ssh-ed25519')
t = rep(NA, "addresses: [10.77.0.11]", "addresses: [10.77.0.11, 10.77.0.11]")
one("form-addresses-repeated", "the same address listed twice", NA, t, "HP1006", "[10.77")
t = rep(NA, "address: 10.77.0.11", "address: 10.77.0.11:2222")
one("form-node-address-with-port", "address with the SSH port appended", NA, t, "HP1006", "10.77.0.11:2222")
t = rep(NA, "user: deploy", "user: deploy@10.77.0.11")
one("form-node-user-at-host", "user written as user@host", NA, t, "HP1006", "deploy@")
t = rep(P, "hostenvHostname: hosting.test", "hostenvHostname: https://hosting.test")
one("form-hostenv-hostname-url", "hostenvHostname written as a URL", P, t, "HP1006", "https://")
t = rep(P, "acceptTerms: true }", "acceptTerms: true, directory: acme-v02.api.letsencrypt.org/directory }")
one("form-acme-directory-without-scheme", "letsEncrypt.directory without https://", P, t, "HP1006", "acme-v02")
t = rep(P, "acme__demo: { path: examples/demo }", "acme__demo: { path: /srv/provider/examples/demo }")
one("form-project-path-absolute", "a project path written as an absolute path", P, t, "HP1006", "/srv/provider")
t = rep(P, "acme__shop: { path: examples/shop, dir: .hostenv }", "acme__shop: { path: examples/shop, dir: .hostnev }")
one("form-project-dir-typo", "dir misspelt: no manifest there (reported at the project's path)", P, t, "HP1007", "examples/shop")
t = rep(S, "sharedDirs: [uploads]", "sharedDirs: [../uploads]")
one("form-shared-dir-escapes-home", "a shared dir outside the release", S, t, "HP1006", "../uploads")
t = rep(B, "    app: { static: public }", "    app: { static: /var/www/blog }", count=1)
one("form-static-absolute", "app.static as an absolute path", B, t, "HP1006", "/var/www/blog")
t = rep(D, "- { path: /health, expectStatus", '- { path: "https://demo.hosting.test/health", expectStatus')
one("form-verification-path-is-url", "a deploymentVerification path written as a URL", D, t, "HP1006", '"https://demo')
t = rep(D, 'expectStatus: "200"', 'expectStatus: "2xx"')
one("form-verification-status-2xx", "expectStatus 2xx", D, t, "HP1006", '"2xx"')
t = rep(P, "defaults:\n", 'cloudflare: { enable: true, zoneId: "hosting.test", apiTokenEnv: CF_API_TOKEN }\ndefaults:\n')
one("form-cloudflare-zone-name", "cloudflare.zoneId given as the zone's name, not its id", P, t, "HP1006", '"hosting.test"')
t = rep(P, "default: node-a", "default: Node-A")
one("form-nodefor-capitalised", "nodeFor naming a node with capitals", P, t, "HP1006", "Node-A")

# --- found by the property tests (tests/Provider.Cli.Tests/Properties) ---
t = rep(S, "          /:\n            root: /srv/assets", "          \"~ \\\\.(png|jpg$\":\n            root: /srv/assets")
one("form-location-regex-unbalanced", "a regex location with an unclosed '(' (nginx -t fails to compile it)", S, t, "HP1015", '"~ ')
t = rep(S, "csp: \"default-src 'self'\"", "csp: \"default-src 'self' https://$host\"")
one("form-csp-dollar", "a CSP with '$' (nginx would expand it as a variable)", S, t, "HP1006", "\"default-src")
t = rep(S, "root: /srv/assets", "root: /srv/$host/assets")
one("form-root-dollar", "a root path with '$host' in it", S, t, "HP1006", "/srv/$host")
t = base[D][:base[D].rindex("{ path: /health") + 1]
case("yaml-cut-short-without-final-line-break", "a manifest cut off mid-line with no final line break (the error is at the end of the last line)",
     {D: t.encode()}, [f"HP1001 {D}:{t.count(chr(10)) + 1}:{len(t.split(chr(10))[-1]) + 1}"])
t = rep(P, "  globex__blog:", '  "globex__blog\\nextra":')
one("provider-project-key-with-line-break", "a quoted project key holding an escaped line break (the error stays on one line)", P, t, "HP1009", '"globex__blog')
t = rep(NA, "user: deploy\n", "user: deploy\r")
case("yaml-stray-carriage-return", "a carriage return without a line feed (YAML would count a line the editor does not show)", {NA: t.encode()}, [f"HP1001 {at(NA, t, chr(13))}"])
t = rep(S, "csp: \"default-src 'self'\"", "csp: \"default-src 'self'\"  # from the wiki:\u2028keep in sync")
one("yaml-unicode-line-separator", "a U+2028 line separator pasted into a comment from a web page", S, t, "HP1001", "\u2028")

# --- the app sandbox's relaxations (issue 16, item 1): only the named ones, spelt exactly ---
t = M + '  main:\n    app: { run: ./x, sandbox: { allow: [writeHome] } }\n'
one("manifest-sandbox-unknown-relaxation", "a sandbox relaxation that does not exist", D, t, "HP1006", "writeHome")
t = M + '  main:\n    app: { run: ./x, sandbox: { allow: [writeRelease], disable: true } }\n'
one("manifest-sandbox-disable", "switching the sandbox off as a whole", D, t, "HP1003", "disable")
t = M + '  main:\n    app: { run: ./x, sandbox: { allow: writeRelease } }\n'
one("manifest-sandbox-allow-not-list", "sandbox.allow as a single string", D, t, "HP1004", "writeRelease")

# --- notify: webhooks for serve (issue 13, item 6): checked by plan, never in the plan ---
N = base[P] + "notify:\n"
t = N + "  - { name: ops, urlEnv: OPS_HOOK, format: slak }\n"
one("provider-notify-format-typo", "a webhook format misspelt (did you mean 'slack')", P, t, "HP1006", "slak")
t = N + '  - { name: ops, url: "ftp://hooks.example/x" }\n'
one("provider-notify-url-not-http", "a webhook URL that is not http(s)", P, t, "HP1006", '"ftp://')
t = N + '  - { name: ops, url: "https://hooks.example/x", urlEnv: OPS_HOOK }\n'
one("provider-notify-url-and-urlenv", "a webhook with both url and urlEnv", P, t, "HP1006", "{ name: ops")
t = N + "  - name: ops\n    format: json\n"
one("provider-notify-no-url", "a webhook with neither url nor urlEnv", P, t, "HP1006", "name: ops")
t = N + "  - { name: ops, urlEnv: OPS_HOOK, on: [failed, rolledback] }\n"
one("provider-notify-on-typo", "a webhook event misspelt (did you mean 'rolled-back')", P, t, "HP1006", "rolledback")

# --- containers (issue 11, items 5 and 6): provider.yaml's per-project allow-list, app.preset ---
t = rep(P, "  acme__shop: { path: examples/shop, dir: .hostenv }", "  acme__shop: { path: examples/shop, dir: .hostenv, containers: { allow: [privileged, hostNetwrk] } }")
one("provider-containers-unknown-feature", "a container feature misspelt in a project's allow-list (did you mean 'hostNetwork')", P, t, "HP1006", "hostNetwrk")
t = rep(P, "  acme__shop: { path: examples/shop, dir: .hostenv }", "  acme__shop: { path: examples/shop, dir: .hostenv, containers: { allow: privileged } }")
one("provider-containers-allow-not-list", "containers.allow as a single string", P, t, "HP1004", "privileged }")
t = rep(P, "  acme__shop: { path: examples/shop, dir: .hostenv }", "  acme__shop: { path: examples/shop, dir: .hostenv, containers: { privileged: true } }")
one("provider-containers-feature-as-key", "a container feature written as a key instead of an allow-list entry", P, t, "HP1003", "privileged: true")
t = M + '  main:\n    app: { preset: ruby }\n'
one("manifest-preset-unknown", "an app preset that does not exist", D, t, "HP1006", "ruby")
