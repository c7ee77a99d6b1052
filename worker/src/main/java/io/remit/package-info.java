@NullMarked
package io.remit;

import org.jspecify.annotations.NullMarked;
