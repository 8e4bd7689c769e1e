#!/bin/bash
# End-to-end home registration, handoffs and return home with had on the
# seg6 backend and mnd on the seg6 backend (see tests/lib/mip_e2e.sh).
export MIP_HA_BACKEND=seg6 MIP_MN_BACKEND=seg6 MIP_NAME="had seg6 / mnd seg6"
exec bash "${srcdir:-.}/tests/lib/mip_e2e.sh"
