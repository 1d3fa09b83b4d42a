"""The commented starter file ``twc-tui config init`` writes: every table and key the
config may hold, commented out at its default, so the file documents itself."""

from __future__ import annotations

EXAMPLE = """\
# twc-tui configuration. Every key is optional; command-line flags override this file.

# One [[chargers]] table per Wall Connector. With power sharing only the leader is on
# your WiFi, so list the leader only: followers cannot be polled.
[[chargers]]
name = "Garage"
host = "192.168.1.50"
# port = 80
# phase_mode = "auto"    # auto | split (NA 240 V split-phase) | three (EU/AU three-phase)
# max_current_a = 48     # the breaker's rating: sets the top of the current chart
# proxy_port = 8081      # `twc-tui serve` answers as this charger on this port

[polling]
# vitals_active_s = 1    # vitals cadence while a vehicle is plugged in (at least 1)
# vitals_idle_s = 5      # vitals cadence with nothing plugged in
# wifi_s = 30
# lifetime_s = 60
# version_s = 3600
# connect_timeout_s = 5
# read_timeout_s = 15    # the charger can be slow to send its first byte

[display]
# theme = "textual-dark" # any Textual theme; "ansi-dark" suits 16-colour terminals
# time_range = "5m"      # 5m | 1h | 24h
# ascii = false          # ASCII-only charts and bars
# mouse = true           # false leaves text selection to the terminal
# bell = false          # ring the terminal bell when an alert fires

[thresholds]
# handle_warn_c = 60     # the charger itself derates at 65 °C
# pcba_warn_c = 85

[history]
# enabled = true         # keep samples, events and sessions in SQLite
# db_path = "/var/lib/twc-tui/history.db"   # default: the user state dir
# retention_days = 90
# price_per_kwh = 0.30
# currency = "$"

[hub]
# listen = "127.0.0.1:8743"   # where `twc-tui serve` listens
# token_file = "~/.config/twc-tui/hub-token"   # clients must send this token
# url = "http://homeserver:8743"   # the hub the monitor and `status` attach to

# [mqtt]                 # `twc-tui serve` publishes here, with Home Assistant discovery
# url = "mqtt://192.168.1.10:1883"     # mqtts:// for TLS
# username = "twc"
# password_file = "~/.config/twc-tui/mqtt-password"   # or TWC_MQTT_PASSWORD; never here
# base_topic = "twc"
# discovery_prefix = "homeassistant"
"""
