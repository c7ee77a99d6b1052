@NullMarked
package io.remit.console.deadletter;

import org.jspecify.annotations.NullMarked;
