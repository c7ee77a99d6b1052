@NullMarked
package io.remit.api;

import org.jspecify.annotations.NullMarked;
