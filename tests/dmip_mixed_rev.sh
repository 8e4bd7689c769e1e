#!/bin/bash
# End-to-end DMIPv6 across backends, the other way round: dhpd on the
# tun backend, mnd (and had) on seg6 (see tests/lib/dmip_e2e.sh; parts
# 1-3 and the exit).
export DMIP_HA_BACKEND=seg6 DMIP_DHP_BACKEND=tun DMIP_MN_BACKEND=seg6
export DMIP_FULL=0 DMIP_NAME="had seg6 / dhpd tun / mnd seg6"
exec bash "${srcdir:-.}/tests/lib/dmip_e2e.sh"
