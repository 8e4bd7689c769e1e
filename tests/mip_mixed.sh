#!/bin/bash
# End-to-end home registration, handoffs and return home with had on the
# seg6 backend and mnd on the tun backend (see tests/lib/mip_e2e.sh).
export MIP_HA_BACKEND=seg6 MIP_MN_BACKEND=tun MIP_NAME="had seg6 / mnd tun"
exec bash "${srcdir:-.}/tests/lib/mip_e2e.sh"
