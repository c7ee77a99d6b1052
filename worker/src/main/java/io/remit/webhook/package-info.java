@NullMarked
package io.remit.webhook;

import org.jspecify.annotations.NullMarked;
