#!/bin/bash
# End-to-end DMIPv6: DHoAs from two DHPs, handoff, home, release, exit,
# DHP down and pool exhausted, with had, dhpd and mnd all on the seg6
# backend (see tests/lib/dmip_e2e.sh).
export DMIP_HA_BACKEND=seg6 DMIP_DHP_BACKEND=seg6 DMIP_MN_BACKEND=seg6
export DMIP_FULL=1 DMIP_NAME="had seg6 / dhpd seg6 / mnd seg6"
exec bash "${srcdir:-.}/tests/lib/dmip_e2e.sh"
