@NullMarked
package io.remit.store;

import org.jspecify.annotations.NullMarked;
