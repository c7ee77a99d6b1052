@NullMarked
package io.remit.console.redrive;

import org.jspecify.annotations.NullMarked;
