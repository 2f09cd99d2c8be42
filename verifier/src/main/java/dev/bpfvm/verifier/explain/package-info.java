/**
 * Plain-English explanations of verifier rejections: {@link dev.bpfvm.verifier.explain.Rejections} maps a
 * rejection message in Linux's wording to a {@link dev.bpfvm.verifier.explain.RejectionKind} with a paragraph
 * and a fix idiom in C; {@link dev.bpfvm.verifier.explain.SourceGroupedLog} regroups a level-1 log under its
 * source lines and marks the failing instruction.
 */
package dev.bpfvm.verifier.explain;
