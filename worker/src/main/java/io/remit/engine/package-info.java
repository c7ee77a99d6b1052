@NullMarked
package io.remit.engine;

import org.jspecify.annotations.NullMarked;
