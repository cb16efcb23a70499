"""``make deploy-check``: prints what it checked, one line per problem, exits 1 on any problem.

``--write-docs`` rewrites docs/environment.md from deploy/environment.yml instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.ops.environment import Contract
from bot.settings import ROOT
from scripts.deploy_check import code_env, compose_rules, dockerfile_rules, kube_rules, render

KUSTOMIZATIONS = [ROOT / "deploy" / "k8s" / "base", ROOT / "deploy" / "k8s" / "overlays" / "example"]
ENVIRONMENT_DOCS = ROOT / "docs" / "environment.md"


def run(root: Path = ROOT) -> list[str]:
    """Every check, printed as it goes; returns the problems."""
    contract = Contract.load(root / "deploy" / "environment.yml")
    problems: list[str] = []

    def report(subject: str, results: dict[str, list[str]]) -> None:
        for rule, found in results.items():
            print(f"  {'ok  ' if not found else 'FAIL'} {rule}" + (f" ({len(found)})" if found else ""))
            problems.extend(f"{subject}: {problem}" for problem in found)
            for problem in found:
                print(f"       - {problem}")

    print(f"Environment contract: {len(contract.variables)} variables, {len(contract.processes)} processes")
    docs = root / "docs" / "environment.md"
    in_sync = docs.exists() and docs.read_text(encoding="utf-8") == contract.markdown()
    report("code", {"every variable the code and endpoints.prod.yml read is in the contract": code_env.check(
        root, contract)})  # fmt: skip
    report("docs", {"docs/environment.md rendered from deploy/environment.yml": [] if in_sync else [
        "docs/environment.md is out of date: python -m scripts.deploy_check --write-docs"]})  # fmt: skip

    print(
        f"Kubernetes manifests ({render.kustomize_version()}; schemas of Kubernetes {kube_rules.KUBERNETES_VERSION}):"
    )
    for directory in KUSTOMIZATIONS:
        relative = directory.relative_to(ROOT)
        try:
            objects = render.render(root / relative)
        except render.RenderError as error:
            report(str(relative), {"kustomize render": [str(error)]})
            continue
        kinds = sorted({obj["kind"] for obj in objects})
        print(f" {relative}: {len(objects)} objects ({', '.join(kinds)})")
        report(str(relative), kube_rules.check(objects, contract))

    print("compose.yaml:")
    report("compose.yaml", compose_rules.check(compose_rules.load(root / "compose.yaml"), root, contract))

    print("Dockerfile (static: nothing here builds or runs containers):")
    dockerfile = root / "Dockerfile"
    report("Dockerfile", {
        "hadolint": dockerfile_rules.hadolint(dockerfile),
        "pinned base, non-root, healthcheck, lock, no secrets, .dockerignore": dockerfile_rules.rules(
            dockerfile.read_text(encoding="utf-8"), (root / ".dockerignore").read_text(encoding="utf-8"), contract
        ),
    })  # fmt: skip
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-docs", action="store_true", help="rewrite docs/environment.md")
    args = parser.parse_args(argv)
    if args.write_docs:
        ENVIRONMENT_DOCS.write_text(Contract.load().markdown(), encoding="utf-8")
        print(f"wrote {ENVIRONMENT_DOCS.relative_to(ROOT)}")
        return
    problems = run()
    if problems:
        print(f"\ndeploy-check: {len(problems)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print("\ndeploy-check: every rule holds")


if __name__ == "__main__":
    main()
