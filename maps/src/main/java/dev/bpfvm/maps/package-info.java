/** Map types behind one BpfMap contract (issue: maps, helpers, test-run). */
package dev.bpfvm.maps;
