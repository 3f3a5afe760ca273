// SPDX-License-Identifier: GPL-2.0
/*
 * The nexus tracepoints: nexus_trace.h says which there are and when each
 * fires; this file is where they are instantiated, once.
 */
#define CREATE_TRACE_POINTS
#include "nexus_trace.h"
