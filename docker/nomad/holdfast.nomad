# holdfast on Nomad (1.8 or later: the disconnect block): three nodes, one per
# client, each on a host volume of its client (docker/nomad/README.md).
# tests/kits/kit_manifest_test.cc reads the task's args and env below and
# starts the real binary with exactly them.
job "holdfast" {
  datacenters = ["dc1"]
  type        = "service"

  # One node at a time; the next only once the restarted one passes its
  # checks, readiness included.
  update {
    max_parallel      = 1
    health_check      = "checks"
    min_healthy_time  = "30s"
    healthy_deadline  = "15m"
    progress_deadline = "30m"
    auto_revert       = false
  }

  group "holdfast" {
    count = 3

    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }

    # A client that stops heartbeating keeps its allocation: the node and its
    # volume are still there. When the client comes back, the original
    # allocation stays; no replacement is started meanwhile.
    disconnect {
      lost_after = "1h"
      replace    = false
      reconcile  = "keep_original"
    }

    # Restart in place (the data is on this client); never reschedule a
    # node away from its volume by itself.
    restart {
      attempts = 10
      interval = "30m"
      delay    = "15s"
      mode     = "delay"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }

    # The client's host_volume "holdfast-data" (README): survives the
    # allocation, the job and the client's restarts.
    volume "data" {
      type      = "host"
      source    = "holdfast-data"
      read_only = false
    }

    network {
      mode = "host"
      port "http" {
        static = 9200
      }
      port "grpc" {
        static = 9300
      }
    }

    # Deregistered from Consul at once when the allocation stops; the kill
    # signal follows shutdown_delay later, once clients have noticed.
    shutdown_delay = "10s"

    service {
      name     = "holdfast"
      port     = "http"
      provider = "consul"

      check {
        name     = "live"
        type     = "http"
        path     = "/_lifecycle/live"
        interval = "10s"
        timeout  = "5s"

        check_restart {
          limit           = 6
          grace           = "10m"
          ignore_warnings = true
        }
      }

      check {
        name     = "ready"
        type     = "http"
        path     = "/_lifecycle/ready"
        interval = "5s"
        timeout  = "3s"
      }
    }

    task "holdfast" {
      driver = "docker"

      config {
        image        = "holdfast:dev"
        network_mode = "host"
        args = [
          "serve",
          "--data-dir", "/var/lib/holdfast/data",
          "--http-addr", "0.0.0.0:${NOMAD_PORT_http}",
          "--grpc-addr", "${NOMAD_ADDR_grpc}",
          "--shutdown-grace", "30s",
          "--shutdown-readiness-delay", "5s",
        ]
      }

      env {
        HOLDFAST_NODE_NAME      = "${node.unique.name}"
        HOLDFAST_CLUSTER_NAME   = "holdfast"
        HOLDFAST_ETCD_ENDPOINTS = "http://etcd.service.consul:2379"
        HOLDFAST_LOG_FORMAT     = "json"
        HOLDFASTCTL_ADDR        = "${NOMAD_ADDR_grpc}"
      }

      volume_mount {
        volume      = "data"
        destination = "/var/lib/holdfast"
        read_only   = false
      }

      # SIGTERM, then up to kill_timeout before SIGKILL: the readiness delay
      # (5s) and the shutdown grace (30s), with room to spare. The client's
      # max_kill_timeout (default 30s) caps it: raise it (README).
      kill_signal  = "SIGTERM"
      kill_timeout = "45s"

      resources {
        cpu    = 2000
        memory = 4096
      }
    }
  }
}
