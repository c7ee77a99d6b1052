@NullMarked
package io.remit.command;

import org.jspecify.annotations.NullMarked;
