#!/bin/bash
# End-to-end DMIPv6 across backends: dhpd (and had) on seg6, mnd on the
# tun backend (see tests/lib/dmip_e2e.sh; parts 1-3 and the exit).
export DMIP_HA_BACKEND=seg6 DMIP_DHP_BACKEND=seg6 DMIP_MN_BACKEND=tun
export DMIP_FULL=0 DMIP_NAME="had seg6 / dhpd seg6 / mnd tun"
exec bash "${srcdir:-.}/tests/lib/dmip_e2e.sh"
