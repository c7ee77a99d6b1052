@NullMarked
package io.remit.telemetry;

import org.jspecify.annotations.NullMarked;
