#!/usr/bin/env python3
"""A loopback stand-in for the Kubernetes API for bench/pipeline/seed_chain.sh: lists one pod
whose IP is 127.0.0.1 (owned by a ReplicaSet of Deployment "checkout"), one ReplicaSet and one
namespace, and holds every watch open without events. Plain HTTP; any bearer token.
Usage: fake_k8s_api.py HOST PORT"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POD = {
    "metadata": {
        "name": "checkout-7d4b9c-x2x9q", "namespace": "shop", "uid": "0b8f1a2e-7c3d-4e5f-9a1b-2c3d4e5f6a7b",
        "creationTimestamp": "2026-12-07T00:00:00Z", "resourceVersion": "10",
        "labels": {"app": "checkout"}, "annotations": {"team": "payments"},
        "ownerReferences": [{"kind": "ReplicaSet", "name": "checkout-7d4b9c", "uid": "rs-1"}],
    },
    "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "shop/checkout:1.4.2"}]},
    "status": {"podIP": "127.0.0.1", "startTime": "2026-12-07T00:00:01Z", "phase": "Running",
               "containerStatuses": [{"name": "app", "containerID": "containerd://abc123", "restartCount": 0,
                                      "image": "shop/checkout:1.4.2"}]},
}
REPLICA_SET = {"metadata": {"name": "checkout-7d4b9c", "namespace": "shop", "uid": "rs-1", "resourceVersion": "10",
                            "ownerReferences": [{"kind": "Deployment", "name": "checkout", "uid": "d-1"}]}}
NAMESPACE = {"metadata": {"name": "shop", "uid": "ns-1", "resourceVersion": "10"}}
LISTS = {"/api/v1/pods": ("PodList", [POD]), "/apis/apps/v1/replicasets": ("ReplicaSetList", [REPLICA_SET]),
         "/api/v1/namespaces": ("NamespaceList", [NAMESPACE])}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path not in LISTS:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "watch=true" in query or "watch=1" in query:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while True:
                    time.sleep(3600)
            except Exception:
                return
        kind, items = LISTS[path]
        body = json.dumps({"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "10"},
                           "items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
