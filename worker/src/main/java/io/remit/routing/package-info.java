@NullMarked
package io.remit.routing;

import org.jspecify.annotations.NullMarked;
