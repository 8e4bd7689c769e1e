#!/bin/bash
# End-to-end home registration, handoffs and return home with had on the
# tun backend and mnd on the tun backend (see tests/lib/mip_e2e.sh).
export MIP_HA_BACKEND=tun MIP_MN_BACKEND=tun MIP_NAME="had tun / mnd tun"
exec bash "${srcdir:-.}/tests/lib/mip_e2e.sh"
