#!/usr/bin/env python3
"""Writes the compose-policy corpus: one .case per compose file the planner must refuse (issue 11, item 5).

Each case: a title, the features provider.yaml allows (`allow:`), the expected errors (`expect: CODE FILE:LINE:COLUMN`,
computed here from the text, never by running the tool) and the compose file. ComposeCorpusTests (Provider.Planning.Tests)
checks every case with ComposePolicy and asks for exactly these errors.
Run: python3 tests/bad-inputs/compose/generate.py   (rewrites tests/bad-inputs/compose/*.case)
"""
import glob, os

OUT = os.path.dirname(os.path.abspath(__file__))
FILE = "examples/shop/compose.yaml"
USER = "shop-main-0000000"
cases = []


def at(text, needle, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return f"{FILE}:{line}:{i - (text.rfind(chr(10), 0, i) + 1) + 1}"


def case(name, title, text, expects, allow=()):
    cases.append((name, title, text, [f"{code} {at(text, needle, nth)}" for code, needle, nth in expects], allow))


def one(name, title, service_lines, code, needle, allow=(), nth=0, top=""):
    text = "services:\n  web:\n    image: shop\n" + service_lines + top
    case(name, title, text, [(code, needle, nth)], allow)


R = "HP2202"
one("privileged", "a privileged container", "    privileged: true\n", R, "true")
one("privileged-variable", "privileged set from a variable the planner cannot see", "    privileged: ${PRIV:-false}\n", R, "${PRIV")
one("network-host", "the node's network namespace", "    network_mode: host\n", R, "host")
one("network-other-container", "joining another container's network by name", "    network_mode: container:billing-main-1234567-a-web-1\n", R, "container:")
one("network-unknown-service", "joining the network of a service the file does not have", "    network_mode: service:db\n", "HP2204", "service:db")
one("pid-host", "the node's PID namespace", "    pid: host\n", R, "host")
one("ipc-host", "the node's IPC namespace", "    ipc: host\n", R, "host")
one("uts-host", "the node's UTS namespace", "    uts: host\n", R, "host")
one("userns-host", "no user-namespace remapping", "    userns_mode: host\n", R, "host")
one("cap-add", "an added capability", "    cap_add: [NET_ADMIN]\n", R, "cap_add")
one("devices", "a device of the node", "    devices:\n      - /dev/fuse:/dev/fuse\n", R, "/dev/fuse")
one("seccomp-unconfined", "seccomp switched off", "    security_opt: [\"seccomp:unconfined\"]\n", R, "\"seccomp")
one("apparmor-unconfined", "AppArmor switched off", "    security_opt:\n      - apparmor=unconfined\n", R, "apparmor")
one("label-disable", "SELinux labels switched off", "    security_opt:\n      - label:disable\n", R, "label")
one("cgroup-parent", "a cgroup outside the environment's slice", "    cgroup_parent: system.slice\n", R, "system.slice")
one("bind-etc", "a bind mount of the node's /etc", "    volumes:\n      - /etc:/host/etc:ro\n", R, "/etc")
one("bind-long-syntax", "a bind mount of another tenant's home, long syntax", "    volumes:\n      - type: bind\n        source: /home/billing-main-1234567\n        target: /data\n", R, "/home/billing")
one("bind-dotdot-escape", "a bind mount that climbs out of the environment's data directory", f"    volumes:\n      - /home/{USER}/.local/share/../../../other/.ssh:/keys\n", R, "/home/")
one("bind-above-release", "a relative bind mount above the release", "    volumes:\n      - ../../etc:/etc2\n", R, "../../etc")
one("bind-tilde", "a bind mount of a home directory (~)", "    volumes:\n      - ~/.ssh:/keys\n", R, "~/.ssh")
one("bind-variable", "a bind mount whose source is a variable", "    volumes:\n      - ${SRC}:/data\n", R, "${SRC}")
one("docker-socket", "the Docker socket", "    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n", R, "/var/run/docker.sock", allow=["bindMounts"])
case("run-holding-socket", "a bind mount of /run, which holds the Docker socket (needs both allowances)",
     "services:\n  web:\n    image: shop\n    volumes:\n      - /run:/host-run\n", [(R, "/run:", 0), (R, "/run:", 0)])
one("volumes-from-container", "volumes of another container by name", "    volumes_from: [\"container:billing-db\"]\n", R, "\"container")
one("env-file-outside", "an env_file the compose command would read from the node as root", "    env_file: /etc/hostenv/overrides/billing-main-1234567/env\n", R, "/etc/hostenv")
one("build-context-outside", "a build context of the node's /srv", "    build: { context: /srv/other }\n", R, "/srv/other")
one("ports", "a port published on the node", "    ports:\n      - \"8080:80\"\n", R, "\"8080")
one("ports-long-syntax", "a port published on the node, long syntax", "    ports:\n      - target: 80\n        published: 80\n", R, "target")
one("extends-outside", "extends of a file outside the release", "    extends: { file: /srv/shared/compose.yaml, service: base }\n", "HP2203", "/srv/shared")
one("driver-opts-bind", "a named volume bound to a node path with driver_opts", "    volumes: [data:/data]\n", R, "/srv/billing",
    top="volumes:\n  data:\n    driver: local\n    driver_opts: { type: none, o: bind, device: /srv/billing }\n")
one("external-volume", "an external volume (another project's)", "    volumes: [data:/data]\n", R, "true",
    top="volumes:\n  data:\n    external: true\n")
one("secret-file-outside", "a secret read from a node file", "    secrets: [key]\n", R, "/etc/ssl",
    top="secrets:\n  key:\n    file: /etc/ssl/private/node.key\n")
one("include-outside", "include of a file outside the release", "", "HP2203", "../../other",
    top="include:\n  - ../../other/compose.yaml\n")
case("merge-key-privileged", "privileged hidden in a merged anchor (reported where it is written)",
     "x-base: &base\n  privileged: true\nservices:\n  web:\n    <<: *base\n    image: shop\n", [(R, "true", 0)])
case("repeated-key", "privileged written twice: whichever a reader keeps, the true one is refused",
     "services:\n  web:\n    privileged: false\n    image: shop\n    privileged: true\n", [(R, "true", 0)])
case("syntax-error", "a compose file that is not YAML", "services:\n  web:\n    image: shop\n   ports: [80]\n", [("HP2201", "ports", 0)])

for f in glob.glob(os.path.join(OUT, "*.case")):
    os.remove(f)
for i, (name, title, text, expects, allow) in enumerate(cases, 1):
    with open(os.path.join(OUT, f"{i:03d}-{name}.case"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(f"# {title}\n")
        if allow:
            fh.write(f"allow: {', '.join(allow)}\n")
        for e in expects:
            fh.write(f"expect: {e}\n")
        fh.write("=== compose.yaml\n" + text)
print(len(cases), "cases")
