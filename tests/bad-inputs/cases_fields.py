"""The first cases: YAML syntax, types, unknown keys, values, names, planning, state, lock and the narrow field forms."""
import json

from corpus import *  # noqa: F401,F403  (the example files P, D, ..., base and the helpers rep, one, case, at, end)

# --- YAML syntax and structure (HP1001, HP1002, HP1008) ---
t = M + "  main: {type: production\n"; case("yaml-unclosed-flow-mapping", "a '{' that is never closed", {D: t}, [f"HP1001 {end(D, t)}"])
t = M + "  main:\n    type: production\n   virtualHosts: {}\n"; one("yaml-bad-indentation", "a key indented one space too few", D, t, "HP1001", "virtualHosts")
t = base[P].replace("deployUser: deploy", "deployUser:\tdeploy\n\tbad: 1"); one("yaml-tab-indentation", "a tab used for indentation", P, t, "HP1001", "\tbad")
t = rep(NA, 'hostKey: "', 'hostKey: "unterminated '); t = t.replace('"\naddresses', '\naddresses'); one("yaml-unterminated-quote", "a double quote never closed", NA, t, "HP1001", '"unterminated')
t = M + "  main: {}\n---\norganisation: other\n"; one("yaml-two-documents", "two YAML documents in one file", D, t, "HP1008", "---")
t = M + "  base: &b {type: testing}\n  main:\n    <<: *b\n"; one("yaml-merge-key", "a YAML merge key", D, t, "HP1008", "<<")
t = M + "  main: *nowhere\n"; one("yaml-undefined-alias", "an alias to an anchor that does not exist", D, t, "HP1008", "*nowhere")
t = "- hostenvHostname: hosting.test\n"; one("provider-top-level-list", "provider.yaml is a list, not a mapping", P, t, "HP1004", "- ")
case("manifest-empty-file", "an empty manifest", {D: ""}, [f"HP1005 {D}:1:1", f"HP1005 {D}:1:1"])
t = base[NA] + "port: 2222\n"; one("node-duplicate-key", "port given twice", NA, t, "HP1002", "port", nth=1)
t = M + "  main: {}\n  main: {type: testing}\n"; one("manifest-duplicate-environment", "an environment declared twice", D, t, "HP1002", "main", nth=1)
t = M + "  main:\n    virtualHosts:\n      a.hosting.test: {}\n      a.hosting.test: {}\n"; one("manifest-duplicate-vhost-key", "a vhost key repeated", D, t, "HP1002", "a.hosting.test", nth=1)

# --- wrong types (HP1004) ---
t = rep(NA, "port: 22", 'port: "22"'); one("node-port-quoted", "port as a quoted string", NA, t, "HP1004", '"22"')
t = rep(NA, "port: 22", "port: twenty-two"); one("node-port-word", "port as a word", NA, t, "HP1004", "twenty-two")
t = rep(NA, "addresses: [10.77.0.11]", "addresses: 10.77.0.11"); one("node-addresses-not-list", "addresses as a single string", NA, t, "HP1004", "10.77.0.11", nth=1)
t = rep(NB, "magicRollback: true", 'magicRollback: "yes"'); one("node-bool-quoted", "a boolean written as a string", NB, t, "HP1004", '"yes"')
t = M + '  main:\n    enable: "true"\n'; one("manifest-enable-string", "enable as a string", D, t, "HP1004", '"true"')
t = M + "  main:\n    virtualHosts: [a.hosting.test]\n"; one("manifest-vhosts-list", "virtualHosts as a list", D, t, "HP1004", "[a.hosting.test]")
t = M + "  main:\n    secrets: DATABASE_URL\n"; one("manifest-secrets-string", "secrets as a string", D, t, "HP1004", "DATABASE_URL")
t = base[P].split("projects:")[0] + "projects: [acme__demo]\n"; one("provider-projects-list", "projects as a list", P, t, "HP1004", "[acme__demo]")
t = rep(P, "deployUser: deploy", "deployUser: deploy\ndeployPublicKeys: ssh-ed25519 AAAA"); one("provider-keys-not-list", "deployPublicKeys as a string", P, t, "HP1004", "ssh-ed25519")
t = M + "  main:\n    app: { build: 5 }\n"; one("manifest-build-number", "app.build as a number", D, t, "HP1004", "5 }")
t = M + '  main:\n    users:\n      alice: { publicKeys: "ssh-ed25519 AAAA" }\n'; one("manifest-publickeys-string", "publicKeys as a string", D, t, "HP1004", '"ssh-ed25519')
t = M + "  main:\n    resources: 50%\n"; one("manifest-resources-scalar", "resources as a scalar", D, t, "HP1004", "50%")

# --- unknown keys (HP1003) ---
t = rep(P, "hostenvHostname:", "hostenvHostnme:"); one("provider-misspelt-hostname", "hostenvHostname misspelt", P, t, "HP1003", "hostenvHostnme", extra=[f"HP1005 {at(P, t, 'hostenvHostnme')}"])
t = rep(P, "acceptTerms: true", "acceptTerm: true"); one("provider-misspelt-acceptterms", "letsEncrypt.acceptTerm", P, t, "HP1003", "acceptTerm")
t = rep(NA, "address:", "adress:"); one("node-misspelt-address", "address misspelt", NA, t, "HP1003", "adress", extra=[f"HP1005 {at(NA, t, 'adress')}"])
t = M + "  main:\n    virtualHost:\n      a.hosting.test: {}\n"; one("manifest-virtualhost-singular", "virtualHost instead of virtualHosts", D, t, "HP1003", "virtualHost")
t = M + "  main:\n    virtualHosts:\n      a.hosting.test: { enableLetsencrypt: false }\n"; one("manifest-vhost-unknown-option", "enableLetsencrypt (wrong case)", D, t, "HP1003", "enableLetsencrypt")
t = M + "  main:\n    app: { run: ./x, healthcheck: { path: / } }\n"; one("manifest-app-healthcheck-case", "healthcheck instead of healthCheck", D, t, "HP1003", "healthcheck")
t = rep(P, "acme__demo: { path: examples/demo }", "acme__demo: { pth: examples/demo }"); one("provider-project-pth", "a project with 'pth'", P, t, "HP1003", "pth")
t = base[NA] + "password: hunter2\n"; one("node-password-key", "a password in node.yaml", NA, t, "HP1003", "password")

# --- invalid values (HP1006) ---
t = rep(NA, "port: 22", "port: 70000"); one("node-port-out-of-range", "port 70000", NA, t, "HP1006", "70000")
t = rep(NB, "confirmTimeoutSeconds: 30", "confirmTimeoutSeconds: 0"); case("node-confirm-timeout-zero", "confirmTimeoutSeconds 0", {NB: t}, [f"HP1006 {NB}:{pos(t, 'Seconds: 0', offset=len('Seconds: '))}"])
t = rep(NA, 'hostKey: "ssh-ed25519', 'hostKey: "not-a-key'); one("node-hostkey-garbage", "hostKey that is not a key", NA, t, "HP1006", '"not-a-key')
t = rep(NA, "addresses: [10.77.0.11]", "addresses: [node-a.example]"); one("node-address-not-ip", "addresses entry that is a name", NA, t, "HP1006", "node-a.example")
t = rep(P, "adminEmail: ops@hosting.test", "adminEmail: ops"); one("provider-email-invalid", "adminEmail without @", P, t, "HP1006", "ops, ")
t = rep(P, "hostenvHostname: hosting.test", 'hostenvHostname: "bad host!"'); one("provider-hostname-invalid", "hostenvHostname with a space", P, t, "HP1006", '"bad host!"')
t = M + "  main:\n    type: prodution\n"; one("manifest-type-typo", "type prodution", D, t, "HP1006", "prodution")
t = M + "  main:\n    virtualHosts:\n      a.hosting.test: { globalRedirect: b.hosting.test, redirectCode: 303 }\n"; one("manifest-redirect-303", "redirectCode 303", D, t, "HP1006", "303")
t = M + '  main:\n    secrets: ["bad-name"]\n'; one("manifest-secret-name", "a secret name with a dash", D, t, "HP1006", '"bad-name"')
t = M + "  main:\n    app: { run: ./x, healthCheck: { path: health } }\n"; one("manifest-health-path-relative", "healthCheck.path without /", D, t, "HP1006", "health }")
t = M + "  main:\n    resources: { memoryMax: lots }\n"; one("manifest-memory-word", "memoryMax: lots", D, t, "HP1006", "lots")
t = rep(P, "defaults:\n", "defaults:\n  deploy: { parallel: 0 }\n"); one("provider-parallel-zero", "deploy.parallel 0", P, t, "HP1006", "0 }")
t = M + "  main:\n    secrets: [A, A]\n"; one("manifest-secrets-repeated", "the same secret twice", D, t, "HP1006", "[A, A]")
t = M + '  main:\n    virtualHosts:\n      a.hosting.test:\n        security: { csp: "default-src \'self\'\\ninjected" }\n'; one("manifest-header-newline", "a header value with a line break", D, t, "HP1006", '"default-src')

# --- names (HP1009, HP1010) ---
t = rep(P, "acme__demo:", "acme-demo:"); one("provider-project-without-separator", "project name without __", P, t, "HP1009", "acme-demo")
t = M + '  "main;rm -rf /": {}\n'; one("manifest-env-shell-metachar", "environment name with ; and spaces", D, t, "HP1009", '"main;')
t = M + "  a..b: {}\n"; one("manifest-env-dotdot", "environment name with ..", D, t, "HP1009", "a..b")
t = M + '  "$(whoami)": {}\n'; one("manifest-env-command-substitution", "environment name $(whoami)", D, t, "HP1009", '"$(whoami)"')
t = M + '  "`id`": {}\n'; one("manifest-env-backticks", "environment name with backticks", D, t, "HP1009", '"`id`"')
t = M + "  -lead: {}\n"; one("manifest-env-leading-dash", "environment name starting with - (option injection)", D, t, "HP1009", "-lead")
t = M + "  main:\n    virtualHosts:\n      bad_host.hosting.test: {}\n"; one("manifest-vhost-underscore", "vhost with an underscore", D, t, "HP1009", "bad_host")
t = M + "  main:\n    virtualHosts:\n      localhost: {}\n"; one("manifest-vhost-single-label", "vhost without a dot", D, t, "HP1009", "localhost")
t = rep(P, "acme__demo: { path: examples/demo }", "acme__demo: { path: ../outside }"); one("provider-path-escapes-repo", "a project path with ..", P, t, "HP1006", "../outside")
t = rep(P, "acme__demo: { path: examples/demo }", "acme__demo: { path: examples/demo, dir: ../../etc }"); one("provider-dir-escapes-project", "dir with ..", P, t, "HP1006", "../../etc")
t = rep(D, "organisation: acme", "organisation: globex"); one("manifest-organisation-mismatch", "organisation does not match the project key", D, t, "HP1010", "globex")
case("node-directory-name-invalid", "a node directory with upper case and _", {"nodes/Node_A/node.yaml": base[NA]}, ["HP1009 nodes/Node_A/node.yaml"])

# --- planning (HP2xxx) ---
t = rep(D, "  staging:\n    type: testing", "  staging:\n    type: production"); one("plan-two-production", "two enabled production environments", D, t, "HP2005", "production", nth=1)
t = rep(B, "blog.hosting.test:", "demo.hosting.test:"); one("plan-vhost-claimed-twice", "one vhost in two projects", B, t, "HP2004", "demo.hosting.test")
t = rep(B, "blog.hosting.test:", "DEMO.hosting.test.:"); one("plan-vhost-case-and-dot", "the same vhost differing in case and trailing dot", B, t, "HP2004", "DEMO.hosting.test.")
t = rep(B, "      preview.blog.hosting.test: {}", "      preview.blog.hosting.test: { serverAliases: [shop.hosting.test] }"); one("plan-vhost-via-alias", "a serverAlias taking another project's vhost", B, t, "HP2004", "shop.hosting.test")
st = json.loads(base[ST]); st["old-gone-0000000"] = {"userName": "old-gone-0000000", "uid": 1500, "node": "node-a", "virtualHosts": ["blog.hosting.test"]}
case("plan-vhost-held-by-gone", "a vhost still reserved by an environment no longer declared", {ST: json.dumps(st, indent=2) + "\n"}, [f"HP2003 {B}:{pos(base[B], 'blog.hosting.test')}"])
t = rep(P, "production: node-a", "production: node-x"); one("plan-nodefor-unknown", "nodeFor points at a node that does not exist", P, t, "HP2001", "node-x")
t = rep(B, "    node: node-b", "    node: node-c"); one("plan-env-node-unknown", "an environment's node override does not exist", B, t, "HP2001", "node-c")
case("plan-node-file-missing", "nodes/node-b deleted while nodeFor still uses it", {}, [f"HP2001 {at(P, base[P], 'node-b')}", f"HP2001 {at(P, base[P], 'node-b', 1)}", f"HP2001 {at(B, base[B], 'node-b')}"], deletes=[NB])
t = rep(P, "nodeFor: { default: node-a, production: node-a, testing: node-b, development: node-b }", "nodeFor: { production: node-a }"); case("plan-no-node-for-type", "no nodeFor for testing or development and no default", {P: t}, [f"HP2002 {at(D, base[D], 'staging:')}", f"HP2002 {at(B, base[B], 'preview:')}", f"HP2002 {at(S, base[S], 'feature/new-checkout:')}", f"HP2002 {at(S, base[S], 'legacy:')}"])
t = rep(D, "defaultEnvironment: main", "defaultEnvironment: mian"); one("manifest-default-environment-unknown", "defaultEnvironment names no environment", D, t, "HP2010", "mian")
st = json.loads(base[ST]); st["_uidHighWaterMark"] = 65533
case("plan-uid-overflow", "every UID up to 65533 already handed out", {ST: json.dumps(st, indent=2) + "\n", D: base[D] + "  review:\n    type: development\n"}, [f"HP2006 {D}:{pos(base[D] + '  review:', 'review')}"])
t = base[ST][:200] + "\n  oops\n"; case("state-not-json", "state.json cut off mid-way", {ST: t}, [f"HP2007 {at(ST, t, chr(10), 1)}"])
st = json.loads(base[ST]); k = sorted(k for k in st if not k.startswith("_")); st[k[1]]["uid"] = st[k[0]]["uid"]
t = json.dumps(st, indent=2) + "\n"; case("state-duplicate-uid", "two reservations with one UID", {ST: t}, [f"HP2008 {at(ST, t, '1007', 1)}"])
st = json.loads(base[ST]); k = sorted(k for k in st if not k.startswith("_")); st[k[0]]["userName"] = "someone-else"
t = json.dumps(st, indent=2) + "\n"; case("state-key-username-mismatch", "an entry whose userName differs from its key", {ST: t}, [f"HP2007 {at(ST, t, quoted('someone-else'))}"])
st = json.loads(base[ST]); k = sorted(k for k in st if not k.startswith("_")); st[k[0]]["uid"] = "1002"
t = json.dumps(st, indent=2) + "\n"; case("state-uid-string", "a UID written as a string", {ST: t}, [f"HP2007 {at(ST, t, quoted('1002'))}"])
st = json.loads(base[ST]); k = sorted(k for k in st if not k.startswith("_")); st[k[0]]["uid"] = -5
t = json.dumps(st, indent=2) + "\n"; case("state-uid-negative", "a negative UID", {ST: t}, [f"HP2007 {at(ST, t, '-5')}"])
case("state-top-level-array", "state.json is a list", {ST: "[]\n"}, [f"HP2007 {ST}:1:1"])
t = base[ST].replace("{\n", '{\n  "x-dup-0000000": {"userName": "x-dup-0000000", "uid": 3000, "node": "node-a", "virtualHosts": []},\n  "x-dup-0000000": {"userName": "x-dup-0000000", "uid": 3001, "node": "node-a", "virtualHosts": []},\n', 1)
case("state-duplicate-key", "one reservation key twice", {ST: t}, [f"HP2007 {at(ST, t, quoted('x-dup-0000000'), 2)}"])
st = json.loads(base[ST]); k = sorted(k for k in st if not k.startswith("_")); st[k[0]]["virtualHosts"] = "a.test"
t = json.dumps(st, indent=2) + "\n"; case("state-vhosts-not-list", "virtualHosts as a string", {ST: t}, [f"HP2007 {at(ST, t, quoted('a.test'))}"])

# --- provider.lock and git sources (HP1007, HP1011-HP1013) ---
git_p = base[P] + "  acme__remote: { git: \"file:///nonexistent/hostenv-provider-test.git\", ref: main }\n"
GITPOS = pos(git_p, chr(34) + "file:///nonexistent")
case("lock-missing-entry", "a git project never locked", {P: git_p}, [f"HP1007 {P}:{GITPOS}"])
t = "{ not json\n"; case("lock-not-json", "provider.lock is not JSON", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, 'not')}", f"HP1007 {P}:{GITPOS}"])
t = json.dumps({"lockFormat": 1, "projects": {"acme__remote": {"git": "file:///nonexistent/hostenv-provider-test.git", "ref": "main", "dir": ".hostenv", "rev": "main", "manifestSha256": "0" * 64}}}) + "\n"
case("lock-bad-rev", "a lock entry whose rev is not a commit id", {P: git_p, LK: t}, [f"HP1011 {at(LK, t, quoted('rev') + ': ' + quoted('main'), offset=7)}", f"HP1007 {P}:{GITPOS}"])
lock_ok = json.dumps({"lockFormat": 1, "projects": {"acme__remote": {"git": "file:///nonexistent/hostenv-provider-test.git", "ref": "main", "dir": ".hostenv", "rev": "a" * 40, "manifestSha256": "0" * 64}}}) + "\n"
case("lock-source-unreachable", "a locked git source that cannot be fetched", {P: git_p, LK: lock_ok}, [f"HP1013 {P}:{GITPOS}"])
case("lock-stale-ref", "provider.yaml changed the ref since the lock", {P: git_p.replace("ref: main", "ref: release"), LK: lock_ok}, [f"HP1012 {P}:{GITPOS}"])
case("provider-file-missing", "no provider.yaml", {}, ["HP1007 " + P], deletes=[P])
case("manifest-file-missing", "a path project without its manifest", {}, [f"HP1007 {P}:{pos(base[P], 'examples/blog')}"], deletes=[B])
t = rep(P, "acme__demo: { path: examples/demo }", "acme__demo: { path: examples/demo, git: \"https://example.test/x.git\" }"); one("provider-path-and-git", "both path and git", P, t, "HP1006", "{ path: examples/demo, git")

# --- narrow forms of fields naming a host, URL, path, git source or nginx location (issue 10) ---
V = M + "  main:\n    virtualHosts:\n      a.hosting.test:\n"
L = V + "        locations:\n          /:\n"
t = V + '        globalRedirect: "demo.hosting.test; x"\n'; one("manifest-redirect-semicolon", "globalRedirect with '; x' after the host", D, t, "HP1006", '"demo.hosting.test; x"')
t = V + '        globalRedirect: "https://demo.hosting.test"\n'; one("manifest-redirect-with-scheme", "globalRedirect with a scheme", D, t, "HP1006", '"https://')
t = V + '        serverAliases: [www.a.hosting.test, "www.a.hosting.test/x"]\n'; one("manifest-alias-with-path", "a serverAlias with a path", D, t, "HP1009", '"www.a.hosting.test/x"')
t = M + '  main:\n    deploymentVerification:\n      - { path: /, host: "https://a.hosting.test/" }\n'; one("manifest-verification-host-url", "deploymentVerification host written as a URL", D, t, "HP1006", '"https://a.hosting.test/"')
t = V + "        locations:\n          static/: { root: /srv/static }\n"; one("manifest-location-relative", "a location key without / or a modifier", D, t, "HP1009", "static/")
t = V + '        locations:\n          "~": { root: /srv/static }\n'; one("manifest-location-empty-regex", "a regex location without a regex", D, t, "HP1009", '"~"')
t = L + '            proxyPass: "127.0.0.1:8080"\n'; one("manifest-proxypass-no-scheme", "proxyPass without http://", D, t, "HP1006", '"127.0.0.1:8080"')
t = L + "            root: srv/www\n"; one("manifest-root-relative", "a relative root", D, t, "HP1006", "srv/www")
t = L + '            alias: "/srv/my files"\n'; one("manifest-alias-path-space", "an alias path with a space (nginx would read two arguments)", D, t, "HP1006", '"/srv/my files"')
t = L + '            index: "index.html\\nlisten 81"\n'; one("manifest-index-newline", "index with a line break", D, t, "HP1006", '"index.html')
t = L + "            tryFiles: $uri\n"; one("manifest-tryfiles-one-argument", "tryFiles without a fallback", D, t, "HP1006", "$uri")
t = L + '            return: "301"\n'; one("manifest-return-redirect-without-url", "return 301 without a URL", D, t, "HP1006", '"301"')
t = V + '        security: { referrerPolicy: "no-referrer; x" }\n'; one("manifest-referrer-policy-unknown", "referrerPolicy with '; x'", D, t, "HP1006", '"no-referrer; x"')
t = V + '        security: { xFrameOptions: "ALLOW-FROM https://b.hosting.test" }\n'; one("manifest-xframe-allow-from", "xFrameOptions ALLOW-FROM", D, t, "HP1006", '"ALLOW-FROM')
t = V + '        security: { reportTo: "https://b.hosting.test/reports" }\n'; one("manifest-reportto-not-json", "reportTo written as a URL, not JSON", D, t, "HP1006", '"https://b.hosting.test/reports"')
t = V + '        security: { cspReportTo: "csp; script-src *" }\n'; one("manifest-csp-report-group", "cspReportTo adding a CSP directive", D, t, "HP1006", '"csp; script-src *"')
t = M + '  main:\n    deploymentVerification:\n      - { path: /, bodyRegex: "(unclosed" }\n'; one("manifest-bodyregex-invalid", "bodyRegex that does not compile", D, t, "HP1015", '"(unclosed"')
t = M + '  main:\n    app: { run: ./x, healthCheck: { path: "/health check" } }\n'; one("manifest-health-path-space", "healthCheck.path with a space", D, t, "HP1006", '"/health check"')
t = M + '  main:\n    virtualHosts:\n      "*.a.hosting.test": {}\n'; one("manifest-wildcard-with-letsencrypt", "a wildcard vhost with Let's Encrypt on", D, t, "HP1016", '"*.a')
t = M + '  main:\n    users:\n      "alice smith": { email: alice@acme.test }\n'; one("manifest-user-id-space", "a user id with a space", D, t, "HP1009", '"alice smith"')
t = 'organisation: acme\nproject: "---"\nenvironments:\n  main: {}\n'; one("manifest-project-no-letters", "project with no letter or digit", D, t, "HP1009", '"---"', extra=[f"HP1010 {D}:2:10"])
t = M + '  "feature/-": {}\n'; one("manifest-env-slug-empty", "an environment name whose last part slugs to nothing", D, t, "HP1009", '"feature/-"')
t = M + '  main:\n    resources: { memoryMax: "1G\\n" }\n'; one("manifest-memory-trailing-newline", "memoryMax with a trailing line break", D, t, "HP1006", '"1G')
t = rep(P, "acme__demo: { path: examples/demo }", 'acme__demo: { git: "https://deploy:s3cret@git.example/acme/demo.git", ref: main }'); one("provider-git-password", "a git URL with a password", P, t, "HP1006", '"https://deploy')
t = rep(P, "acme__demo: { path: examples/demo }", 'acme__demo: { git: "ext::sh -c touch% /tmp/pwned", ref: main }'); one("provider-git-ext-transport", "a git URL using the ext:: transport", P, t, "HP1006", '"ext::')
t = rep(P, "acme__demo: { path: examples/demo }", 'acme__demo: { git: "https://git.example/acme/demo.git", ref: "main:refs/heads/evil" }'); one("provider-ref-refspec", "a ref that is a refspec", P, t, "HP1006", '"main:refs')
t = rep(P, "acme__demo: { path: examples/demo }", 'acme__demo: { git: "https://git.example/acme/demo.git", ref: "--upload-pack=touch /tmp/x" }'); one("provider-ref-option", "a ref that looks like an option", P, t, "HP1006", '"--upload-pack')
t = rep(P, "acceptTerms: true }", 'acceptTerms: true, directory: "https://acme.example/dir\\nacceptTerms=true" }'); one("provider-acme-directory-newline", "letsEncrypt.directory with a line break", P, t, "HP1006", '"https://acme.example')
t = rep(P, "defaults:\n", "cloudflare: { enable: true, apiTokenFile: ~/cf-token }\ndefaults:\n"); one("provider-token-file-tilde", "apiTokenFile starting with ~", P, t, "HP1006", "~/cf-token")
t = rep(P, "deployUser: deploy", 'deployUser: "deploy\\n"'); one("provider-deploy-user-newline", "deployUser with a trailing line break", P, t, "HP1006", '"deploy')
t = rep(NA, "address: 10.77.0.11", 'address: "10.77"'); one("node-address-partial-ip", "address 10.77 (neither a name nor a full address)", NA, t, "HP1006", '"10.77"')
t = rep(NA, "address: 10.77.0.11", "address: -oProxyCommand"); one("node-address-option", "address that looks like an ssh option", NA, t, "HP1006", "-oProxyCommand")
t = rep(NA, "addresses: [10.77.0.11]", 'addresses: ["10.1"]'); one("node-addresses-short-form", "an address in inet_aton short form", NA, t, "HP1006", '"10.1"')
t = rep(NA, "addresses: [10.77.0.11]", 'addresses: ["fe80::1%eth0"]'); one("node-addresses-scope-id", "an IPv6 address with a scope id", NA, t, "HP1006", '"fe80')

