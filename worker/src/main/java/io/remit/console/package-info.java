@NullMarked
package io.remit.console;

import org.jspecify.annotations.NullMarked;
