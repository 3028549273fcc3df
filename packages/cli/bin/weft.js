#!/usr/bin/env node
// A committed shim, so the `weft` bin exists (and is executable) before the first build.
import "../dist/bin.js";
