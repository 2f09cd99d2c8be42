/** Helper functions by kernel number and kfuncs by name. */
package dev.bpfvm.helpers;
