@NullMarked
package io.remit.config;

import org.jspecify.annotations.NullMarked;
