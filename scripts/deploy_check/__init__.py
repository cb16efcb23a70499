"""``make deploy-check``: the container image, the Kubernetes manifests and compose.yaml, checked offline.

Nothing here builds or runs a container or talks to a cluster: the kustomize tree is rendered by
``kubectl kustomize`` (kustomize built into kubectl, no cluster needed), every object is validated
against the Kubernetes JSON schemas shipped by ``kubernetes-validate``, and the project's rules
(non-root, probes, limits, what the Ingress exposes, who may reach whom, secrets, the environment
contract of deploy/environment.yml) are checked on the rendered objects, compose.yaml and the
Dockerfile. Each rule returns a list of problems, one readable sentence each.
"""
